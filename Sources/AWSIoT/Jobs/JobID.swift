/// The rules for a job id: 1–64 characters from `a-z A-Z 0-9 _ -` (CreateJob's `[a-zA-Z0-9_-]+`).
public enum JobID {
    public static func isValid(_ id: String) -> Bool {
        let scalars = id.unicodeScalars
        guard (1...64).contains(scalars.count) else { return false }
        return scalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-": true
            default: false
            }
        }
    }
}
