using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using TimeMark.Broker.Hosting;

namespace TimeMark.Cli.Commands;

/// <summary>
/// <c>timemark serve</c>: runs the broker until SIGTERM or Ctrl-C, then stops
/// accepting, flushes the evidence log and signs a final checkpoint.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config")
        {
            Description = $"A JSON settings file; without it, ./{BrokerHost.DefaultConfigFile} is read if present.",
            HelpName = "FILE",
        };
        var data = Flag("--data", "DIR", "Broker keys and the evidence log (default ./data).");
        var devices = Flag("--devices", "DIR", "Agent public keys, one {ID}.pem each (default ./devices).");
        var mqtt = Flag("--mqtt", "HOST:PORT", "MQTT listener with an explicit IP address (default 0.0.0.0:1883).");
        var http = Flag("--http", "HOST:PORT", "HTTP API listener (default 0.0.0.0:8080).");
        var policy = Flag("--policy", "strict|permissive", "Reject messages that fail a check (strict, default) or forward them with tm-status.");
        // Each flag overrides one configuration key.
        (Option<string> Flag, string Key)[] flags =
        [
            (data, nameof(BrokerOptions.DataDirectory)),
            (devices, nameof(BrokerOptions.DevicesDirectory)),
            (mqtt, nameof(BrokerOptions.Mqtt)),
            (http, nameof(BrokerOptions.Http)),
            (policy, nameof(BrokerOptions.Policy)),
        ];

        var command = new Command("serve",
            "Run the TimeMark broker: MQTT 3.1.1/5 with time marks, the evidence log, and the HTTP API. " +
            "Settings come from the JSON file, then TIMEMARK_ environment variables (TIMEMARK_MQTT, TIMEMARK_POLICY, " +
            "TIMEMARK_ACCESS__0__IDENTITY, …; keys as in docs/broker.md), then these flags. " +
            "Exit 0 after a clean stop, 2 when the settings or the data folder cannot be used.")
        {
            config, data, devices, mqtt, http, policy,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>();
            foreach (var (flag, key) in flags)
            {
                if (parseResult.GetValue(flag) is string value)
                    overrides[key] = value;
            }

            TextWriter error = parseResult.InvocationConfiguration.Error;
            try
            {
                var (options, configuration) = BrokerHost.LoadOptions(parseResult.GetValue(config), overrides);
                await using WebApplication app = BrokerHost.Build(options, configuration);
                await app.RunAsync().ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            catch (BrokerConfigurationException e)
            {
                foreach (string problem in e.Problems)
                    error.WriteLine(Errors.Line(problem));
                return ExitCodes.UsageOrInputError;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or Protocol.Keys.KeyFormatException)
            {
                error.WriteLine(Errors.Line($"cannot start: {e.Message}"));
                return ExitCodes.UsageOrInputError;
            }
        });
        return command;
    }

    private static Option<string> Flag(string name, string helpName, string description) =>
        new(name) { Description = description, HelpName = helpName };
}
