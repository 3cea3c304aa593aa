using TimeMark.Attestation.Credentials;

namespace TimeMark.Attestation.Tests.Credentials;

/// <summary>
/// Known answers computed with an independent implementation of TPM 2.0 Part 1 §11.4.10.2 (Python's hmac and
/// hashlib: HMAC-SHA-256(key, i₃₂ || label || 0x00 || contextU || contextV || bits₃₂), truncated), for
/// key = 00 01 … 1f and name = 000b || 64 65 … 83.
/// </summary>
public sealed class KdfaTests
{
    private static readonly byte[] Seed = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];
    private static readonly byte[] Name = [0x00, 0x0b, .. Enumerable.Range(100, 32).Select(i => (byte)i)];

    [Fact]
    public void Sha256_StorageKeyFromName_MatchesKnownAnswer() =>
        Assert.Equal("d98939313878365f823837e2ce0286ca", Convert.ToHexStringLower(Kdfa.Sha256(Seed, "STORAGE", Name, [], 128)));

    [Fact]
    public void Sha256_IntegrityKeyWithoutContext_MatchesKnownAnswer() =>
        Assert.Equal("bacf689f634ece301e1f1b15b072d9c87db6a69585db42b1a0cb8f73ebe2692e",
            Convert.ToHexStringLower(Kdfa.Sha256(Seed, "INTEGRITY", [], [], 256)));

    [Fact]
    public void Sha256_ThreeBlocksWithBothContexts_MatchesKnownAnswer() =>
        Assert.Equal("13eed0a16517a4d27196d3ac9ace4c91a46543330f3856df7990770a0a5340ef5078d2feced1219caf1b7a342fb9f5fa43efb951faf9cc444ba1e1dbf1b03023d2",
            Convert.ToHexStringLower(Kdfa.Sha256(Seed, "TEST", "abc"u8, "defg"u8, 520)));
}
