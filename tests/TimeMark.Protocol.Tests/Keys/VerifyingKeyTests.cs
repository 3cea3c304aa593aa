using TimeMark.Protocol.Keys;

namespace TimeMark.Protocol.Tests.Keys;

public class VerifyingKeyTests
{
    // RFC 8032 §7.1 TEST 1: the signature of the empty message by the TEST 1 key.
    private const string Rfc8032Test1Signature =
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    [Fact]
    public void Verify_Rfc8032Test1Vector_ReturnsTrue() =>
        Assert.True(TestKeys.DeviceEd25519Public.Verify([], Convert.FromHexString(Rfc8032Test1Signature)));

    [Fact]
    public void Verify_Rfc8032Test1VectorWithOneBitFlipped_ReturnsFalse()
    {
        byte[] signature = Convert.FromHexString(Rfc8032Test1Signature);
        signature[10] ^= 0x10;
        Assert.False(TestKeys.DeviceEd25519Public.Verify([], signature));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    [InlineData(65)]
    [InlineData(72)] // a DER-encoded ECDSA signature is not accepted in place of r‖s
    public void Verify_SignatureOfWrongLength_ReturnsFalse(int length)
    {
        Assert.False(TestKeys.DeviceEd25519Public.Verify([], new byte[length]));
        Assert.False(TestKeys.DeviceP256Public.Verify([], new byte[length]));
    }

    // Key IDs: SHA-256 of the DER SubjectPublicKeyInfo, computed with `openssl pkey -pubin -outform DER | sha256sum`.
    [Theory]
    [InlineData("device-p256.pem", "5a7a78cca4a0f420d9bc62bb669c3c2759e39f723d3ae10dcbe0f0815a07ecd4")]
    [InlineData("device-ed25519.pem", "06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8e1b792fa9")]
    [InlineData("broker-ed25519.pem", "deb2ded39dc26fce0e6085b6fc34bf6b5941913bbfe2ea614113cff9e004c170")]
    public void Id_IsSha256OfSubjectPublicKeyInfo(string file, string expected)
    {
        using VerifyingKey key = KeyFile.ReadVerifyingKey(TestKeys.Path(file));
        Assert.Equal(expected, key.Id.ToFullHex());
        Assert.Equal(expected[..16], key.Id.ToString());
    }

    [Theory]
    [InlineData("device-p256.pem", KeyAlgorithm.EcdsaP256)]
    [InlineData("device-ed25519.pem", KeyAlgorithm.Ed25519)]
    public void ImportPem_ExportPem_RoundTripsTheFileExactly(string file, KeyAlgorithm algorithm)
    {
        string pem = File.ReadAllText(TestKeys.Path(file));
        using VerifyingKey key = VerifyingKey.ImportPem(pem);
        Assert.Equal(algorithm, key.Algorithm);
        Assert.Equal(pem, key.ExportPem());
    }

    [Fact]
    public void ImportPem_RsaKey_ThrowsNamingTheAlgorithm()
    {
        var error = Assert.Throws<KeyFormatException>(() => KeyFile.ReadVerifyingKey(TestKeys.Path("other-rsa.pem")));
        Assert.Contains("1.2.840.113549.1.1.1", error.Message);
        Assert.Contains("other-rsa.pem", error.Message);
    }

    [Fact]
    public void ImportPem_PrivateKeyBlock_ThrowsNamingTheLabel()
    {
        var error = Assert.Throws<KeyFormatException>(() => VerifyingKey.ImportPem(File.ReadAllText(TestKeys.Path("device-ed25519.key.pem"))));
        Assert.Contains("\"PRIVATE KEY\"", error.Message);
    }

    [Fact]
    public void ImportPem_NoPemBlock_Throws() =>
        Assert.Throws<KeyFormatException>(() => VerifyingKey.ImportPem("not a key"));

    [Fact]
    public void ImportSubjectPublicKeyInfo_TruncatedDer_Throws()
    {
        byte[] der = TestKeys.DeviceP256Public.ExportSubjectPublicKeyInfo();
        Assert.Throws<KeyFormatException>(() => VerifyingKey.ImportSubjectPublicKeyInfo(der.AsSpan(0, der.Length - 1)));
    }

    [Fact]
    public void ImportSubjectPublicKeyInfo_EveryTruncation_ThrowsOnlyKeyFormatException()
    {
        foreach (VerifyingKey key in new[] { TestKeys.DeviceP256Public, TestKeys.DeviceEd25519Public })
        {
            byte[] der = key.ExportSubjectPublicKeyInfo();
            for (int length = 0; length < der.Length; length++)
                Assert.Throws<KeyFormatException>(() => VerifyingKey.ImportSubjectPublicKeyInfo(der.AsSpan(0, length)));
        }
    }

    [Fact]
    public void ToString_ShowsAlgorithmAndIdOnly() =>
        Assert.Equal("Ed25519 public key 06e3fd8fda29bb60", TestKeys.DeviceEd25519Public.ToString());
}
