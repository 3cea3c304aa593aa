using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TimeMark.Broker.Hosting;

namespace TimeMark.Cli.Commands;

/// <summary>
/// The broker's settings on the command line, shared by <c>serve</c> and <c>measure</c>: both must read
/// exactly the same settings, or the configuration hash <c>measure</c> puts in the TPM would not be the
/// hash of the configuration the broker runs with.
/// </summary>
internal sealed class BrokerSettings
{
    private readonly Option<string> _config = new("--config")
    {
        Description = $"A JSON settings file; without it, ./{BrokerHost.DefaultConfigFile} is read if present.",
        HelpName = "FILE",
    };

    // Each flag overrides one configuration key.
    private readonly (Option<string> Flag, string Key)[] _flags =
    [
        (Flag("--data", "DIR", "Broker keys and the evidence log (default ./data)."), nameof(BrokerOptions.DataDirectory)),
        (Flag("--devices", "DIR", "Agent public keys, one {ID}.pem each (default ./devices)."), nameof(BrokerOptions.DevicesDirectory)),
        (Flag("--mqtt", "HOST:PORT", "MQTT listener with an explicit IP address (default 0.0.0.0:1883)."), nameof(BrokerOptions.Mqtt)),
        (Flag("--http", "HOST:PORT", "HTTP API listener (default 0.0.0.0:8080)."), nameof(BrokerOptions.Http)),
        (Flag("--policy", "strict|permissive", "Reject messages that fail a check (strict, default) or forward them with tm-status."),
            nameof(BrokerOptions.Policy)),
        (Flag("--tpm", "TPM", "The TPM for remote attestation: swtpm:host=H,port=P, swtpm:path=SOCKET or device:/dev/tpmrm0 (default: none)."),
            $"{nameof(BrokerOptions.Attestation)}:{nameof(AttestationOptions.Tpm)}"),
    ];

    /// <summary>Adds the settings file option and every flag to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_config);
        foreach (var (flag, _) in _flags)
            command.Options.Add(flag);
    }

    /// <exception cref="BrokerConfigurationException">The settings are unusable; each problem names its key.</exception>
    public (BrokerOptions Options, IConfiguration Configuration) Load(ParseResult parseResult)
    {
        var overrides = new Dictionary<string, string?>();
        foreach (var (flag, key) in _flags)
        {
            if (parseResult.GetValue(flag) is string value)
                overrides[key] = value;
        }
        return BrokerHost.LoadOptions(parseResult.GetValue(_config), overrides);
    }

    private static Option<string> Flag(string name, string helpName, string description) =>
        new(name) { Description = description, HelpName = helpName };
}
