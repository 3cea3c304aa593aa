namespace TimeMark.Protocol.Keys;

/// <summary>The signature algorithms BRAID devices and the broker use (design.md, "Algorithms").</summary>
public enum KeyAlgorithm
{
    /// <summary>ECDSA on P-256 with SHA-256, signatures as 64 bytes r‖s (IEEE P1363), as the ATECC608 produces.</summary>
    EcdsaP256 = 1,
    /// <summary>Ed25519 (RFC 8032), 64-byte signatures.</summary>
    Ed25519 = 2,
}
