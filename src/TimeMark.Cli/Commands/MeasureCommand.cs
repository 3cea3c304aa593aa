using System.CommandLine;
using TimeMark.Attestation;
using TimeMark.Attestation.Events;
using TimeMark.Attestation.Launch;
using TimeMark.Attestation.Tpm;
using TimeMark.Broker.Hosting;

namespace TimeMark.Cli.Commands;

/// <summary>
/// <c>timemark measure</c>: the measured launch, run before the broker (systemd ExecStartPre or a
/// launcher). Starts a new launch record on the application PCR, then extends the binary_hash of the
/// published files and the hash of the effective configuration, each written to the event log first.
/// The broker adds its time-mark key when it starts.
/// </summary>
internal static class MeasureCommand
{
    public static Command Create()
    {
        var settings = new BrokerSettings();
        var installDirectory = new Option<DirectoryInfo>("--install-dir")
        {
            Description = "The published folder (with timemark.build.json) the broker will run from; default: this program's own folder.",
            HelpName = "DIR",
        };
        var command = new Command("measure",
            "Measured launch: extend the TPM's application PCR with the broker's binary_hash and configuration hash, " +
            "recording each in the event log that GET /attestation serves. Takes the same settings as serve; run it just before serve. " +
            "Exit 0 when measured, 1 when the TPM failed or the files cannot be measured, 2 for unusable settings.")
        {
            installDirectory,
        };
        settings.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            TextWriter output = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            BrokerOptions options;
            try
            {
                options = settings.Load(parseResult).Options;
            }
            catch (BrokerConfigurationException e)
            {
                foreach (string problem in e.Problems)
                    error.WriteLine(Errors.Line(problem));
                return ExitCodes.UsageOrInputError;
            }
            if (!options.Attestation.IsEnabled)
            {
                error.WriteLine(Errors.Line("no TPM to measure into: give --tpm or set Attestation:Tpm"));
                return ExitCodes.UsageOrInputError;
            }

            string directory = parseResult.GetValue(installDirectory)?.FullName ?? AppContext.BaseDirectory;
            // The embedded commit is known only for the program's own files.
            string? embeddedCommit = parseResult.GetValue(installDirectory) is null ? BrokerService.SourceCommit() : null;
            BuildMeasurement build = BuildMeasurement.Measure(directory, embeddedCommit);
            if (build.BinaryHash is null)
            {
                error.WriteLine(Errors.Line($"{directory}: nothing to measure: {build.Detail}"));
                return ExitCodes.CheckFailed;
            }
            if (!build.IsVerified)
                error.WriteLine(Errors.Line($"warning: {build.Detail}; measuring the files as they are"));

            EffectiveConfiguration configuration = EffectiveConfiguration.Of(options);
            int pcr = options.Attestation.Pcr;
            string eventLog = options.Attestation.EventLogPath(options.DataDirectory);
            TpmTarget target = TpmTarget.Parse(options.Attestation.Tpm);
            try
            {
                await using TpmClient tpm = await TpmClient.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
                await MeasuredLaunch.BeginAsync(tpm, pcr, eventLog, cancellationToken).ConfigureAwait(false);
                await MeasuredLaunch.RecordAsync(tpm, eventLog,
                    new MeasurementEvent(pcr, Convert.FromHexString(build.BinaryHash), MeasurementKind.Binary, $"binary_hash of {directory}"),
                    cancellationToken).ConfigureAwait(false);
                await MeasuredLaunch.RecordAsync(tpm, eventLog,
                    new MeasurementEvent(pcr, Convert.FromHexString(configuration.Hash), MeasurementKind.Configuration, "SHA-256 of the effective configuration"),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TpmException or InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                error.WriteLine(Errors.Line($"cannot measure into {target}: {e.Message}"));
                return ExitCodes.CheckFailed;
            }

            output.WriteLine($"measured launch on PCR {pcr} of {target}");
            output.WriteLine($"binary_hash {build.BinaryHash}");
            output.WriteLine($"config_hash {configuration.Hash}");
            output.WriteLine($"event log {Path.GetFullPath(eventLog)}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
