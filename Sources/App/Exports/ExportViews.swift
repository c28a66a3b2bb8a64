import Templates

/// The fields of `staff/exports`, each named once.
enum ExportViews {
    static func index(_ exports: [ExportStore.Summary]) -> TemplateFields {
        [
            "exports": .list(
                exports.map { export -> TemplateFields in
                    [
                        "id": .number(export.id), "requestedBy": .text(export.requestedBy ?? "a deleted user"),
                        "requestedAt": .text(export.requestedAt.formatted(.iso8601)),
                        "ready": .flag(export.state == "ready"), "pending": .flag(export.state == "pending"),
                        "failed": .flag(export.state == "failed"), "rows": .number(export.rowCount ?? 0),
                        "error": .text(export.error ?? ""),
                        "downloadURL": .text(StaffURLs.exportDownload.url(export.id)),
                    ]
                }),
            "hasExports": .flag(!exports.isEmpty),
        ]
    }
}
