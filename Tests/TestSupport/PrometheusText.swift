import Foundation

/// Prometheus' text format as prometheus_client's own parser reads it (scripts/test/prometheus-text):
/// a line it cannot parse fails the read.
public enum PrometheusText {
    public struct Family: Sendable {
        public var name: String
        public var type: String
        public var help: String
        public var samples: [Sample]
    }

    public struct Sample: Sendable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    public struct Unreadable: Error, CustomStringConvertible {
        public var description: String
    }

    public static func parse(_ text: String) async throws -> [Family] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID()).txt").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let script = Repository.root.appendingPathComponent("scripts/test/prometheus-text").path
        let read = await Program.capture(["/bin/sh", "-c", "\"$0\" < \"$1\"", script, file])
        guard read.status == 0,
            let families = try? JSONSerialization.jsonObject(with: Data(read.output.utf8)) as? [[String: Any]]
        else { throw Unreadable(description: "prometheus_client could not read the text: \(read.output)") }
        return families.map { family in
            Family(
                name: family["name"] as? String ?? "", type: family["type"] as? String ?? "",
                help: family["help"] as? String ?? "",
                samples: (family["samples"] as? [[String: Any]] ?? []).map { sample in
                    Sample(
                        name: sample["name"] as? String ?? "", labels: sample["labels"] as? [String: String] ?? [:],
                        value: (sample["value"] as? NSNumber)?.doubleValue ?? .nan)
                })
        }
    }
}

extension [PrometheusText.Family] {
    /// The samples named `name` whose labels include `labels`.
    public func samples(_ name: String, _ labels: [String: String] = [:]) -> [PrometheusText.Sample] {
        flatMap(\.samples).filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
    }

    /// The one sample's value, or nil when there is none or more than one.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let found = samples(name, labels)
        return found.count == 1 ? found[0].value : nil
    }
}
