using TimeMark.Protocol.Keys;

namespace TimeMark.Protocol.Tests.Keys;

public class SigningKeyTests
{
    [Fact]
    public void Sign_Ed25519Rfc8032Test1_MatchesTheRfcSignature()
    {
        var signature = new byte[64];
        TestKeys.DeviceEd25519.Sign([], signature);
        Assert.Equal(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            Convert.ToHexStringLower(signature));
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void Sign_GeneratedKey_VerifiesWithItsPublicKey(KeyAlgorithm algorithm)
    {
        using SigningKey key = SigningKey.Generate(algorithm);
        var signature = new byte[64];
        key.Sign("reading"u8, signature);

        Assert.Equal(algorithm, key.Algorithm);
        Assert.True(key.PublicKey.Verify("reading"u8, signature));
        Assert.False(key.PublicKey.Verify("readinG"u8, signature));
    }

    [Fact]
    public void Sign_DestinationNot64Bytes_Throws() =>
        Assert.Throws<ArgumentException>(() => TestKeys.DeviceP256.Sign([], new byte[63]));

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void ExportPkcs8Pem_ImportPem_KeepsTheSameKey(KeyAlgorithm algorithm)
    {
        using SigningKey key = SigningKey.Generate(algorithm);
        using SigningKey imported = SigningKey.ImportPem(key.ExportPkcs8Pem());
        Assert.Equal(key.PublicKey.Id, imported.PublicKey.Id);
    }

    [Fact]
    public void ImportPem_IndependentPkcs8Files_MatchTheirPublicKeys()
    {
        Assert.Equal(TestKeys.DeviceP256Public.Id, TestKeys.DeviceP256.PublicKey.Id);
        Assert.Equal(TestKeys.DeviceEd25519Public.Id, TestKeys.DeviceEd25519.PublicKey.Id);
    }

    [Fact]
    public void ImportPem_Sec1EcPrivateKey_IsReadAsP256()
    {
        using SigningKey key = KeyFile.ReadSigningKey(TestKeys.Path("device-p256-sec1.key.pem"));
        Assert.Equal(KeyAlgorithm.EcdsaP256, key.Algorithm);
    }

    [Fact]
    public void ImportPem_P384Key_ThrowsNamingTheCurve()
    {
        var error = Assert.Throws<KeyFormatException>(() => KeyFile.ReadSigningKey(TestKeys.Path("other-p384.key.pem")));
        Assert.Contains("1.3.132.0.34", error.Message);
    }

    [Fact]
    public void ImportPem_PublicKeyBlock_Throws() =>
        Assert.Throws<KeyFormatException>(() => SigningKey.ImportPem(File.ReadAllText(TestKeys.Path("device-p256.pem"))));

    [Fact]
    public void ImportPem_CorruptBase64_Throws() =>
        Assert.Throws<KeyFormatException>(() => SigningKey.ImportPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));

    [Fact]
    public void ToString_NeverShowsKeyBytes() =>
        Assert.Equal("Ed25519 private key 06e3fd8fda29bb60", TestKeys.DeviceEd25519.ToString());
}
