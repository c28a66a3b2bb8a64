import Database
import Settings
import Web

/// Users, groups and permissions for a Web app, as `django.contrib.auth` gives a Django project:
/// sign-in and sign-out with a throttle shared through PostgreSQL, route groups that need a
/// signed-in user or a permission (``RouterMethods/signedIn(_:staff:refusal:)``,
/// ``RouterMethods/requiring(_:)``), pages to manage users and read the audit log, and the
/// `createsuperuser`, `changepassword` and `groups` commands.
///
/// One value holds what every handler of Auth needs; an app makes it once at start.
public struct Auth: Sendable {
    public let database: Database
    public let users: UserStore
    public let sessions: SessionStore
    public let audit: AuditLog
    public let urls: AuthURLs
    /// Who may sign in.
    public let signIn: SignInPolicy
    /// How passwords are hashed and checked.
    public let passwords: PasswordHasher
    let web: WebConfiguration
    let throttle: LoginThrottle
    let attempts: LoginAttemptStore
    let hashingSlots: HashingSlots

    public init(
        database: Database, web: WebConfiguration, configuration: AuthConfiguration, urls: AuthURLs = AuthURLs(),
        signIn: SignInPolicy = .anyActiveUser
    ) {
        self.database = database
        self.signIn = signIn
        passwords = configuration.passwords
        users = UserStore(database: database)
        let inline = configuration.pruning == .whileSigningIn
        sessions = SessionStore(database: database, lifetime: web.sessionLifetime, prunesWhenStarting: inline)
        audit = AuditLog(database: database)
        self.urls = urls
        self.web = web
        attempts = LoginAttemptStore(database: database)
        throttle = LoginThrottle(
            store: attempts, prunesAfterFailures: inline, firstDelay: configuration.throttleFirstDelay)
        hashingSlots = HashingSlots(limit: configuration.maxConcurrentHashes)
    }
}

/// Who may sign in through Auth's form.
public enum SignInPolicy: Sendable {
    /// Every active user.
    case anyActiveUser
    /// Active staff only, as Django's admin login: a site whose only signed-in area is its
    /// staff area. Anyone else is refused as a wrong password is.
    case staffOnly
}

/// Where Auth's pages are. The staff pages live under the app's staff area (`/staff` by default).
public struct AuthURLs: Sendable {
    public var login: URLPattern
    public var logout: URLPattern
    public var users: URLPattern
    public var newUser: URLPattern
    public var user: URLPattern
    public var userGroups: URLPattern
    public var userActive: URLPattern
    public var auditLog: URLPattern
    /// Where a sign-in without a `next` goes.
    public var afterLogin: String
    /// Where sign-out goes.
    public var afterLogout: String

    public init(staffArea: String = "/staff", afterLogin: String = "/", afterLogout: String = "/") {
        login = "/login"
        logout = "/logout"
        users = URLPattern("\(staffArea)/users")
        newUser = URLPattern("\(staffArea)/users/new")
        user = URLPattern("\(staffArea)/users/{id}")
        userGroups = URLPattern("\(staffArea)/users/{id}/groups")
        userActive = URLPattern("\(staffArea)/users/{id}/active")
        auditLog = URLPattern("\(staffArea)/log")
        self.afterLogin = afterLogin
        self.afterLogout = afterLogout
    }

    /// The links templates name as `{{urls.login}}`, `{{urls.logout}}`, `{{urls.users}}`,
    /// `{{urls.auditLog}}`, `{{urls.newUser}}`.
    public var layout: [String: String] {
        [
            "login": login.url, "logout": logout.url, "users": users.url, "auditLog": auditLog.url,
            "newUser": newUser.url,
        ]
    }
}

/// What Auth reads from the environment.
public struct AuthConfiguration: Sendable {
    /// `LOGIN_MAX_CONCURRENT_HASHES`: password hashes at once (default: the CPUs, at least 2);
    /// more sign-ins at the same moment are answered 503 at once.
    public var maxConcurrentHashes: Int
    /// Who deletes expired sessions, old login failures and devices unused for a year.
    public var pruning: StaleRecordPruning
    /// How passwords are hashed: ``PasswordHasher/standard`` unless code says otherwise (a test
    /// suite's fast hasher); never from the environment, where a typo would weaken every hash.
    public var passwords: PasswordHasher
    /// The login throttle's wait after a key's last free failure (1 s), doubling with each
    /// later one. Code only, as ``passwords``: a test suite sets a minute, so that "the next
    /// attempt is refused" holds however long a loaded machine takes between two requests.
    public var throttleFirstDelay: Duration

    public init(
        maxConcurrentHashes: Int = 2, pruning: StaleRecordPruning = .whileSigningIn,
        passwords: PasswordHasher = .standard, throttleFirstDelay: Duration = .seconds(1)
    ) {
        self.maxConcurrentHashes = maxConcurrentHashes
        self.pruning = pruning
        self.passwords = passwords
        self.throttleFirstDelay = throttleFirstDelay
    }

    public init(_ reader: EnvironmentReader, cores: Int) throws(InvalidSetting) {
        maxConcurrentHashes = try reader.integer("LOGIN_MAX_CONCURRENT_HASHES", default: max(2, cores), in: 1...1_024)
        pruning = .whileSigningIn
        passwords = .standard
        throttleFirstDelay = .seconds(1)
    }
}

/// Who deletes what Web and Auth keep only for a while.
public enum StaleRecordPruning: Sendable, Equatable {
    /// A sign-in deletes the expired sessions, and a failed one the old failures and devices
    /// (at most once a minute per process): an app with no background worker.
    case whileSigningIn
    /// The app calls ``StaleRecords/prune(on:batch:)`` on a schedule (a periodic task), and
    /// sign-ins do no cleaning.
    case byTheApp
}
