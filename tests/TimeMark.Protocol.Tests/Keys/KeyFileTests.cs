using TimeMark.Protocol.Keys;

namespace TimeMark.Protocol.Tests.Keys;

public sealed class KeyFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("timemark-keys-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void WriteSigningKey_CreatesFileWithMode0600()
    {
        string path = Path.Combine(_folder, "device.key");
        KeyFile.WriteSigningKey(path, TestKeys.DeviceEd25519);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void WriteSigningKey_ExistingFile_ThrowsAndLeavesItUnchanged()
    {
        string path = Path.Combine(_folder, "device.key");
        File.WriteAllText(path, "keep me");
        Assert.Throws<IOException>(() => KeyFile.WriteSigningKey(path, TestKeys.DeviceEd25519));
        Assert.Equal("keep me", File.ReadAllText(path));
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void WriteThenRead_BothKeys_RoundTrip(KeyAlgorithm algorithm)
    {
        using SigningKey key = SigningKey.Generate(algorithm);
        KeyFile.WriteSigningKey(Path.Combine(_folder, "k.key"), key);
        KeyFile.WriteVerifyingKey(Path.Combine(_folder, "k.pem"), key.PublicKey);

        using SigningKey readBack = KeyFile.ReadSigningKey(Path.Combine(_folder, "k.key"));
        using VerifyingKey publicKey = KeyFile.ReadVerifyingKey(Path.Combine(_folder, "k.pem"));
        Assert.Equal(key.PublicKey.Id, readBack.PublicKey.Id);
        Assert.Equal(key.PublicKey.Id, publicKey.Id);
    }

    [Fact]
    public void WriteSigningKey_OpensslReadsTheFile()
    {
        string path = Path.Combine(_folder, "device.key");
        KeyFile.WriteSigningKey(path, TestKeys.DeviceP256);
        var (exitCode, output) = Run("openssl", $"pkey -in {path} -pubout");
        Assert.Equal(0, exitCode);
        Assert.Equal(File.ReadAllText(TestKeys.Path("device-p256.pem")), output);
    }

    [Fact]
    public void ReadVerifyingKey_MissingFile_ThrowsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => KeyFile.ReadVerifyingKey(Path.Combine(_folder, "absent.pem")));

    private static (int ExitCode, string Output) Run(string program, string arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
