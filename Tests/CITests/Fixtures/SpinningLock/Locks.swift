import Synchronization

// A comment naming Mutex<Int> is not a lock.
let spinning = Mutex<Int>(0)
let qualified = Synchronization.Mutex(0)
let handle = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
let named = RecursiveMutex()
typealias Spinning = Synchronization.Mutex
let counted = 1  // not Mutex<Int> either
typealias Bare = Mutex
