using System.Security.Cryptography;
using TimeMark.Attestation.Credentials;

namespace TimeMark.Attestation.Tests.Credentials;

public sealed class RsaOaepTests
{
    private static readonly byte[] Message = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    [Fact]
    public void EncryptSha256_EmptyLabel_DotNetOaepSha256Decrypts()
    {
        using var key = RSA.Create(2048);
        byte[] ciphertext = RsaOaep.EncryptSha256(key.ExportParameters(false), Message, []);
        Assert.Equal(256, ciphertext.Length);
        Assert.Equal(Message, key.Decrypt(ciphertext, RSAEncryptionPadding.OaepSHA256));
    }

    [Fact]
    public async Task EncryptSha256_IdentityLabel_OpenSslDecryptsWithThatLabel()
    {
        using var key = RSA.Create(2048);
        byte[] ciphertext = RsaOaep.EncryptSha256(key.ExportParameters(false), Message, "IDENTITY\0"u8);
        // openssl 3 reads rsa_oaep_label as hex: 4944454e5449545900 is "IDENTITY" and its zero byte.
        var (exitCode, plain, error) = await OpenSslDecryptAsync(key, ciphertext, "4944454e5449545900");
        Assert.True(exitCode == 0, error);
        Assert.Equal(Message, plain);
    }

    [Fact]
    public async Task EncryptSha256_IdentityLabel_OpenSslRejectsLabelWithoutZeroByte()
    {
        using var key = RSA.Create(2048);
        byte[] ciphertext = RsaOaep.EncryptSha256(key.ExportParameters(false), Message, "IDENTITY\0"u8);
        var (exitCode, _, _) = await OpenSslDecryptAsync(key, ciphertext, "4944454e54495459");
        Assert.NotEqual(0, exitCode);
    }

    [Fact]
    public void EncryptSha256_MessageLongerThanKeyAllows_Throws()
    {
        using var key = RSA.Create(2048);
        Assert.Throws<ArgumentException>(() => RsaOaep.EncryptSha256(key.ExportParameters(false), new byte[256 - 2 * 32 - 1], []));
    }

    private static async Task<(int ExitCode, byte[] Plain, string Error)> OpenSslDecryptAsync(RSA key, byte[] ciphertext, string hexLabel)
    {
        using var folder = new TempDirectory();
        string keyFile = folder.Write("k.pem", key.ExportPkcs8PrivateKeyPem());
        string input = Path.Combine(folder.Path, "c.bin");
        string output = Path.Combine(folder.Path, "m.bin");
        await File.WriteAllBytesAsync(input, ciphertext);
        var (exitCode, stdout, stderr) = await Shell.RunAsync("openssl",
            ["pkeyutl", "-decrypt", "-inkey", keyFile, "-in", input, "-out", output, "-pkeyopt", "rsa_padding_mode:oaep",
             "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256", "-pkeyopt", $"rsa_oaep_label:{hexLabel}"], folder.Path);
        return (exitCode, exitCode == 0 ? await File.ReadAllBytesAsync(output) : [], stderr + stdout);
    }
}
