using Microsoft.Extensions.Logging.Abstractions;
using TimeMark.Broker.Devices;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Tests.Devices;

public sealed class DeviceRegistryTests : IDisposable
{
    private static readonly TimeSpan WatcherTimeout = TimeSpan.FromSeconds(10);
    private readonly string _folder = Directory.CreateTempSubdirectory("timemark-devices-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private DeviceRegistry Create() => new(_folder, NullLogger<DeviceRegistry>.Instance);

    private string WriteKey(string agentId, KeyAlgorithm algorithm, out KeyId id)
    {
        using SigningKey key = SigningKey.Generate(algorithm);
        id = key.PublicKey.Id;
        string path = Path.Combine(_folder, agentId + ".pem");
        File.WriteAllText(path, key.PublicKey.ExportPem());
        return path;
    }

    /// <summary>Polls until the watcher has acted: file events arrive asynchronously.</summary>
    private static void WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + WatcherTimeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the devices folder change was not picked up in time");
            Thread.Sleep(20);
        }
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcdsaP256)]
    [InlineData(KeyAlgorithm.Ed25519)]
    public void Find_KeyFile_ReturnsItsKey(KeyAlgorithm algorithm)
    {
        WriteKey("agent-1", algorithm, out KeyId id);
        using DeviceRegistry registry = Create();

        DeviceKeyLookup lookup = registry.Find("agent-1");
        Assert.True(lookup.IsKnown);
        Assert.Equal(id, lookup.Key.Id);
    }

    [Fact]
    public void Find_SameAgentTwice_ReturnsTheCachedKey()
    {
        WriteKey("agent-1", KeyAlgorithm.Ed25519, out _);
        using DeviceRegistry registry = Create();
        Assert.Same(registry.Find("agent-1").Key, registry.Find("agent-1").Key);
    }

    /// <summary>
    /// An I/O error that may pass (here a symbolic-link loop, ELOOP; in production too many open files) is not
    /// remembered: once it has passed, the key is found, though nothing changed in the watched folder.
    /// </summary>
    [Fact]
    public void Find_AfterAPassingIoError_ReadsTheKeyAgain()
    {
        string outside = Directory.CreateTempSubdirectory("timemark-devices-outside-").FullName;
        try
        {
            string link = Path.Combine(outside, "agent-1.pem");
            File.CreateSymbolicLink(link, link);
            File.CreateSymbolicLink(Path.Combine(_folder, "agent-1.pem"), link);
            using DeviceRegistry registry = Create();
            DeviceKeyLookup failed = registry.Find("agent-1");
            Assert.False(failed.IsKnown);
            Assert.Contains("cannot be read now", failed.Reason, StringComparison.Ordinal);

            File.Delete(link);
            using SigningKey key = SigningKey.Generate(KeyAlgorithm.Ed25519);
            File.WriteAllText(link, key.PublicKey.ExportPem());

            Assert.Equal(key.PublicKey.Id, registry.Find("agent-1").Key?.Id);
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void Find_NoKeyFile_IsUnknownSayingSo()
    {
        using DeviceRegistry registry = Create();
        DeviceKeyLookup lookup = registry.Find("agent-9");
        Assert.False(lookup.IsKnown);
        Assert.Equal("no key file agent-9.pem in the devices folder", lookup.Reason);
    }

    [Fact]
    public void Find_BrokenKeyFile_IsUnknownNamingTheProblem()
    {
        File.WriteAllText(Path.Combine(_folder, "agent-1.pem"), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
        using DeviceRegistry registry = Create();
        DeviceKeyLookup lookup = registry.Find("agent-1");
        Assert.False(lookup.IsKnown);
        Assert.StartsWith("the key file agent-1.pem cannot be used: ", lookup.Reason);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a/b")]
    [InlineData("")]
    public void Find_InvalidAgentId_IsUnknownWithoutTouchingTheDisk(string agentId)
    {
        using DeviceRegistry registry = Create();
        Assert.EndsWith("is not a valid agent ID", registry.Find(agentId).Reason);
    }

    [Fact]
    public void Find_KeyFileAddedWhileRunning_IsPickedUpWithoutRestart()
    {
        using DeviceRegistry registry = Create();
        Assert.False(registry.Find("agent-1").IsKnown);

        WriteKey("agent-1", KeyAlgorithm.Ed25519, out KeyId id);
        WaitUntil(() => registry.Find("agent-1").IsKnown);
        Assert.Equal(id, registry.Find("agent-1").Key!.Id);
    }

    [Fact]
    public void Find_KeyFileReplacedWhileRunning_ReturnsTheNewKey()
    {
        string path = WriteKey("agent-1", KeyAlgorithm.Ed25519, out _);
        using DeviceRegistry registry = Create();
        registry.Find("agent-1");

        using SigningKey replacement = SigningKey.Generate(KeyAlgorithm.EcdsaP256);
        File.WriteAllText(path + ".tmp", replacement.PublicKey.ExportPem());
        File.Move(path + ".tmp", path, overwrite: true);

        WaitUntil(() => registry.Find("agent-1").Key?.Id == replacement.PublicKey.Id);
    }

    [Fact]
    public void Find_KeyFileDeletedWhileRunning_BecomesUnknown()
    {
        string path = WriteKey("agent-1", KeyAlgorithm.Ed25519, out _);
        using DeviceRegistry registry = Create();
        Assert.True(registry.Find("agent-1").IsKnown);

        File.Delete(path);
        WaitUntil(() => !registry.Find("agent-1").IsKnown);
    }

    [Fact]
    public void Find_FolderCreatedAtStartAndKeyAddedLater_IsPickedUp()
    {
        string missing = Path.Combine(_folder, "not-yet");
        using var registry = new DeviceRegistry(missing, NullLogger<DeviceRegistry>.Instance);
        Assert.True(Directory.Exists(missing));

        using SigningKey key = SigningKey.Generate(KeyAlgorithm.Ed25519);
        Assert.False(registry.Find("agent-1").IsKnown);
        File.WriteAllText(Path.Combine(missing, "agent-1.pem"), key.PublicKey.ExportPem());
        WaitUntil(() => registry.Find("agent-1").IsKnown);
    }
}
