using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
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
        var settings = new BrokerSettings();
        var command = new Command("serve",
            "Run the TimeMark broker: MQTT 3.1.1/5 with time marks, the evidence log, and the HTTP API. " +
            "Settings come from the JSON file, then TIMEMARK_ environment variables (TIMEMARK_MQTT, TIMEMARK_POLICY, " +
            "TIMEMARK_ACCESS__0__IDENTITY, …; keys as in docs/broker.md), then these flags. " +
            "Exit 0 after a clean stop, 1 when the evidence log failed while serving, 2 when the settings or the data folder cannot be used.");
        settings.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter error = parseResult.InvocationConfiguration.Error;
            try
            {
                var (options, configuration) = settings.Load(parseResult);
                await using WebApplication app = BrokerHost.Build(options, configuration);
                BrokerService broker = app.Services.GetRequiredService<BrokerService>(); // RunAsync disposes the services
                await app.RunAsync().ConfigureAwait(false);
                if (broker.LogFailure is { } failure)
                {
                    error.WriteLine(Errors.Line($"the evidence log failed while serving, and every message since was refused: {failure.Message}"));
                    return ExitCodes.CheckFailed;
                }

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
}
