using TimeMark.Protocol.Keys;

namespace TimeMark.Cli.Tests.Commands;

public sealed class KeygenCommandTests : IDisposable
{
    private readonly CliWorkspace _workspace = new();

    public void Dispose() => _workspace.Dispose();

    [Theory]
    [InlineData("ed25519", KeyAlgorithm.Ed25519)]
    [InlineData("p256", KeyAlgorithm.EcdsaP256)]
    public async Task Keygen_Type_WritesKeyPairThatReadsBack(string type, KeyAlgorithm expected)
    {
        CliResult result = await _workspace.RunAsync("keygen", "--type", type, "--out", "keys", "--name", "k");

        Assert.Equal(0, result.ExitCode);
        using SigningKey privateKey = KeyFile.ReadSigningKey(_workspace.PathOf("keys/k.key"));
        using VerifyingKey publicKey = KeyFile.ReadVerifyingKey(_workspace.PathOf("keys/k.pem"));
        Assert.Equal(expected, privateKey.Algorithm);
        Assert.Equal(privateKey.PublicKey.Id, publicKey.Id);
    }

    [Fact]
    public async Task Keygen_PrivateKeyFile_HasMode0600()
    {
        await _workspace.RunCheckedAsync("keygen", "--type", "ed25519", "--out", "keys", "--name", "k");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_workspace.PathOf("keys/k.key")));
    }

    [Fact]
    public async Task Keygen_Output_PrintsShortAndFullKeyIdAndPaths()
    {
        CliResult result = await _workspace.RunAsync("keygen", "--type", "p256", "--out", "keys", "--name", "k");

        using VerifyingKey publicKey = KeyFile.ReadVerifyingKey(_workspace.PathOf("keys/k.pem"));
        Assert.Equal(
            [
                $"key id:      {publicKey.Id}",
                $"full key id: {publicKey.Id.ToFullHex()}",
                "algorithm:   ECDSA P-256",
                $"private key: {Path.Combine("keys", "k.key")}",
                $"public key:  {Path.Combine("keys", "k.pem")}",
            ],
            result.StdoutLines);
    }

    [Fact]
    public async Task Keygen_Output_NeverContainsKeyMaterial()
    {
        CliResult result = await _workspace.RunAsync("keygen", "--type", "ed25519", "--out", "keys", "--name", "k");

        string[] base64Lines = File.ReadAllLines(_workspace.PathOf("keys/k.key")).Where(line => !line.StartsWith("-----", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(base64Lines);
        Assert.All(base64Lines, line => Assert.DoesNotContain(line, result.Stdout + result.Stderr, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Keygen_NoName_NamesFilesByShortKeyId()
    {
        await _workspace.RunCheckedAsync("keygen", "--type", "ed25519", "--out", "keys");

        string publicPath = Assert.Single(Directory.GetFiles(_workspace.PathOf("keys"), "*.pem"));
        using VerifyingKey publicKey = KeyFile.ReadVerifyingKey(publicPath);
        Assert.Equal($"{publicKey.Id}.pem", Path.GetFileName(publicPath));
        Assert.True(File.Exists(_workspace.PathOf($"keys/{publicKey.Id}.key")));
    }

    [Fact]
    public async Task Keygen_NameTaken_ExitsTwoAndKeepsTheExistingKey()
    {
        await _workspace.RunCheckedAsync("keygen", "--type", "ed25519", "--out", "keys", "--name", "k");
        byte[] before = _workspace.ReadBytes("keys/k.key");

        CliResult result = await _workspace.RunAsync("keygen", "--type", "ed25519", "--out", "keys", "--name", "k");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("already exists", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, _workspace.ReadBytes("keys/k.key"));
    }

    [Fact]
    public async Task Keygen_NameWithDirectoryPart_ExitsTwo()
    {
        CliResult result = await _workspace.RunAsync("keygen", "--type", "ed25519", "--out", "keys", "--name", "../k");

        Assert.Equal(2, result.ExitCode);
        Assert.False(File.Exists(_workspace.PathOf("k.key")));
    }

    [Fact]
    public async Task Keygen_UnknownType_ExitsTwo()
    {
        CliResult result = await _workspace.RunAsync("keygen", "--type", "rsa", "--out", "keys");

        Assert.Equal(2, result.ExitCode);
    }
}
