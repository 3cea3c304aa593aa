// TPM 2.0 Library Part 2 §8.3 TPMA_OBJECT.

namespace TimeMark.Attestation.Tpm;

/// <summary>TPMA_OBJECT: what an object may do and where it may go.</summary>
[Flags]
public enum TpmObjectAttributes : uint
{
    None = 0,
    FixedTpm = 0x2,
    StClear = 0x4,
    FixedParent = 0x10,
    SensitiveDataOrigin = 0x20,
    UserWithAuth = 0x40,
    AdminWithPolicy = 0x80,
    NoDa = 0x400,
    EncryptedDuplication = 0x800,
    Restricted = 0x10000,
    Decrypt = 0x20000,
    /// <summary>The spec's "sign / encrypt" bit.</summary>
    Sign = 0x40000,
    X509Sign = 0x80000,
}
