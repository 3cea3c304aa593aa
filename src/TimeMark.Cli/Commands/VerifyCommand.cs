using System.CommandLine;
using TimeMark.Protocol.Keys;
using TimeMark.Protocol.Verification;

namespace TimeMark.Cli.Commands;

/// <summary>
/// <c>timemark verify</c>: checks a datagram or a marked record offline with
/// <see cref="RecordVerifier"/>, the same checks the broker makes.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE.cbor") { Description = "The datagram or marked record to check." };
        var deviceKey = new Option<string>("--device-key")
        {
            Description = "The device's public key (SPKI PEM).",
            HelpName = "PUB.pem",
            Required = true,
        };
        var brokerKey = new Option<string>("--broker-key")
        {
            Description = "The broker's Ed25519 public key (SPKI PEM). With it, a record must be marked and its VERIFICATION_TOKEN must verify; without it, the token is skipped.",
            HelpName = "PUB.pem",
        };
        var command = new Command("verify",
            "Check a record: format, device signature, device fields, broker mark, ingestion time, broker token. " +
            "Prints one line per check (ok, FAILED or skipped, with the reason), the clock skew when measured, and a verdict. " +
            "Exit 0 when no check failed, 1 when one did, 2 when an input cannot be read.")
        {
            file, deviceKey, brokerKey,
        };
        command.SetAction(parseResult => ActionRunner.Run(parseResult, output =>
        {
            byte[] record = InputFiles.ReadAllBytes(parseResult.GetValue(file)!);
            using VerifyingKey device = InputFiles.ReadVerifyingKey(parseResult.GetValue(deviceKey)!);
            using VerifyingKey? broker = parseResult.GetValue(brokerKey) is string brokerPath ? InputFiles.ReadVerifyingKey(brokerPath) : null;
            VerificationReport report = RecordVerifier.Verify(record, device, broker, DateTimeOffset.UtcNow);
            Write(report, output);
            return report.Passed ? ExitCodes.Ok : ExitCodes.CheckFailed;
        }));
        return command;
    }

    private static void Write(VerificationReport report, TextWriter output)
    {
        foreach (Check check in report.Checks)
            output.WriteLine($"{Label(check.Outcome),-9}{check.Name}: {check.Detail}");
        if (report.Skew is { } skew)
            output.WriteLine($"clock skew (INGESTION_TIME - TS): {skew}");

        int failed = report.Checks.Count(check => check.Outcome == CheckOutcome.Failed);
        int skipped = report.Checks.Count(check => check.Outcome == CheckOutcome.Skipped);
        output.WriteLine(report.Passed
            ? $"verdict: PASSED ({report.Checks.Count - skipped} checks passed, {skipped} skipped)"
            : $"verdict: FAILED ({failed} of {report.Checks.Count} checks failed)");
    }

    private static string Label(CheckOutcome outcome) => outcome switch
    {
        CheckOutcome.Passed => "ok",
        CheckOutcome.Failed => "FAILED",
        _ => "skipped",
    };
}
