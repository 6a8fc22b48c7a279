import X509

extension SubjectSpec {
    /// The subject as an X.509 name, fields in the conventional order (C, ST, L, O, OU, CN, emailAddress).
    public func distinguishedName() throws -> DistinguishedName {
        let f = fields
        return try DistinguishedName {
            if let value = f["C"] { CountryName(value) }
            if let value = f["ST"] { StateOrProvinceName(value) }
            if let value = f["L"] { LocalityName(value) }
            if let value = f["O"] { OrganizationName(value) }
            if let value = f["OU"] { OrganizationalUnitName(value) }
            if let value = f["CN"] { CommonName(value) }
            if let value = f["emailAddress"] { EmailAddress(value) }
        }
    }
}
