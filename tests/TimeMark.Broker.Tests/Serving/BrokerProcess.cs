using System.Text.Json;
using TimeMark.Protocol.Keys;
using TimeMark.Tests.Shared;

namespace TimeMark.Broker.Tests.Serving;

/// <summary>
/// The broker built beside the tests (the Cli ProjectReference puts timemark.dll there), with
/// its own devices and data folders, and the agents and settings a test gives it.
/// </summary>
internal sealed class BrokerProcess : ServeProcess
{
    /// <param name="program">Another timemark.dll to run, such as a copy with a build manifest; default: the one beside the tests.</param>
    public BrokerProcess(string? program = null) : base(program ?? Path.Combine(AppContext.BaseDirectory, "timemark.dll")) =>
        Directory.CreateDirectory(DevicesDirectory);

    public string DevicesDirectory => Path.Combine(Root, "devices");
    public string DataDirectory => Path.Combine(Root, "data");

    /// <summary>Registers an agent: writes devices/{id}.pem and returns its private key.</summary>
    public SigningKey AddDevice(string agentId, KeyAlgorithm algorithm = KeyAlgorithm.EcdsaP256)
    {
        SigningKey key = SigningKey.Generate(algorithm);
        File.WriteAllText(Path.Combine(DevicesDirectory, agentId + ".pem"), key.PublicKey.ExportPem());
        return key;
    }

    public void WriteConfig(string json) => File.WriteAllText(Path.Combine(Root, "timemark.json"), json);

    public async Task<VerifyingKey> TimeMarkKeyAsync()
    {
        using JsonDocument keys = JsonDocument.Parse(await Http.GetStringAsync("keys"));
        return VerifyingKey.ImportPem(keys.RootElement.GetProperty("timemark_key_pem").GetString());
    }
}
