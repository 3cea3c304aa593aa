using System.CommandLine;
using TimeMark.Cli.Verification;
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
        var broker = new Option<string?>("--broker")
        {
            Description = "The broker's HTTP API (e.g. http://127.0.0.1:8080/): also check that the record is the log entry at LOG_INDEX " +
                "and that the entry is in the log's signed checkpoint (inclusion proof). Without --broker-key, the broker's published key is used.",
            HelpName = "URL",
        };
        var command = new Command("verify",
            "Check a record: format, device signature, device fields, broker mark, ingestion time, broker token; with --broker, its log entry and inclusion. " +
            "Prints one line per check (ok, FAILED or skipped, with the reason), the clock skew when measured, and a verdict. " +
            "Exit 0 when no check failed, 1 when one did, 2 when an input cannot be read.")
        {
            file, deviceKey, brokerKey, broker,
        };
        command.SetAction((parseResult, cancellationToken) => ActionRunner.RunAsync(parseResult, async output =>
        {
            byte[] record = InputFiles.ReadAllBytes(parseResult.GetValue(file)!);
            using VerifyingKey device = InputFiles.ReadVerifyingKey(parseResult.GetValue(deviceKey)!);
            VerifyingKey? pinned = parseResult.GetValue(brokerKey) is string brokerPath ? InputFiles.ReadVerifyingKey(brokerPath) : null;
            if (parseResult.GetValue(broker) is not string url)
            {
                using (pinned)
                    return Write(RecordVerifier.Verify(record, device, pinned, DateTimeOffset.UtcNow), [], output);
            }

            if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out Uri? baseAddress))
                throw new InputException($"--broker \"{url}\" is not an absolute URL");
            using var log = new BrokerLogCheck(baseAddress);
            var (published, logKey) = await log.FetchKeysAsync(cancellationToken);
            using (published)
            using (pinned)
            {
                var extra = new List<Check>();
                if (pinned is not null && pinned.Id != published.Id)
                    extra.Add(new Check("broker-key", CheckOutcome.Failed, $"the broker publishes key {published.Id}, not the pinned {pinned.Id}"));
                else if (pinned is null)
                    output.WriteLine($"note: keys fetched from {baseAddress}keys, not pinned; pass --broker-key to check against a key you trust");
                VerificationReport report = RecordVerifier.Verify(record, device, pinned ?? published, DateTimeOffset.UtcNow);
                extra.AddRange(await log.CheckAsync(record, logKey, cancellationToken));
                return Write(report, extra, output);
            }
        }));
        return command;
    }

    /// <summary>Prints every check, the skew and a verdict; returns the exit code.</summary>
    private static int Write(VerificationReport report, IReadOnlyList<Check> logChecks, TextWriter output)
    {
        List<Check> checks = [.. report.Checks, .. logChecks];
        foreach (Check check in checks)
            output.WriteLine($"{Label(check.Outcome),-9}{check.Name}: {check.Detail}");
        if (report.Skew is { } skew)
            output.WriteLine($"clock skew (INGESTION_TIME - TS): {skew}");

        int failed = checks.Count(check => check.Outcome == CheckOutcome.Failed);
        int skipped = checks.Count(check => check.Outcome == CheckOutcome.Skipped);
        output.WriteLine(failed == 0
            ? $"verdict: PASSED ({checks.Count - skipped} checks passed, {skipped} skipped)"
            : $"verdict: FAILED ({failed} of {checks.Count} checks failed)");
        return failed == 0 ? ExitCodes.Ok : ExitCodes.CheckFailed;
    }

    private static string Label(CheckOutcome outcome) => outcome switch
    {
        CheckOutcome.Passed => "ok",
        CheckOutcome.Failed => "FAILED",
        _ => "skipped",
    };
}
