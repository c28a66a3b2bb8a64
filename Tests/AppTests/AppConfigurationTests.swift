import Database
import Settings
import Testing
import Web

@testable import App

@Suite struct AppConfigurationTests {
    @Test func defaultsFollowDockerflow() throws {
        let configuration = try AppConfiguration(environment: [:])
        #expect(configuration.dockerflow.port == 8000)
        #expect(configuration.dockerflow.host == "0.0.0.0")
    }

    @Test func portAndHostComeFromTheEnvironment() throws {
        let configuration = try AppConfiguration(environment: ["PORT": "9000", "HOST": "127.0.0.1"])
        #expect(configuration.dockerflow.port == 9000)
        #expect(configuration.dockerflow.host == "127.0.0.1")
    }

    @Test(arguments: ["abc", "70000", "0", "-1", "80.5"])
    func invalidPortsNameTheVariable(value: String) {
        #expect(throws: InvalidSetting(variable: "PORT", value: value, expected: "a whole number from 1 to 65535")) {
            try AppConfiguration(environment: ["PORT": value])
        }
    }
}
