using System.Security.Cryptography;
using TimeMark.Attestation.Tpm;

namespace TimeMark.Attestation.Tests.Tpm;

public sealed class PcrValuesTests
{
    [Fact]
    public void Digest_TwoValues_IsSha256OfTheirConcatenation()
    {
        byte[] a = SHA256.HashData("a"u8), b = SHA256.HashData("b"u8);
        Assert.Equal(SHA256.HashData([.. a, .. b]), PcrValues.Digest([a, b]));
    }

    [Fact]
    public void Extend_ZeroPcr_IsSha256OfZerosAndDigest()
    {
        byte[] digest = SHA256.HashData("event"u8);
        Assert.Equal(SHA256.HashData([.. new byte[32], .. digest]), PcrValues.Extend(new byte[32], digest));
    }
}
