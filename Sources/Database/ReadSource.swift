/// Where a read goes: the pool of reads on standbys (`DATABASE_READ_URL`), or the primary, for
/// pages that must see the latest writes (a staff area, a visitor who just voted).
public enum ReadSource: Sendable {
    case primary, standby
}
