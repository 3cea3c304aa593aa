using System.CommandLine;
using TimeMark.Cli.Log;
using TimeMark.EvidenceLog;

namespace TimeMark.Cli.Commands;

/// <summary>
/// <c>timemark log verify</c>: recomputes every leaf hash, stored hash and checkpoint root of a stored log from its
/// entries (<see cref="LogAudit"/>) and reports the first inconsistency.
/// </summary>
internal static class LogVerifyCommand
{
    public static Command Create()
    {
        Option<string> db = LogInputs.DbOption();
        Option<string> key = LogInputs.KeyOption();
        key.Description += " With it (or --key-file), every stored checkpoint must carry a valid signature by this key.";
        Option<string> keyFile = LogInputs.KeyFileOption();
        var command = new Command("verify",
            "Recompute a stored log from its entries: each entry must be a valid log entry matching its stored leaf hash, every stored " +
            "hash must equal the one recomputed, and every stored checkpoint must match the recomputed root at its size (and its " +
            "signature verify, with --key). Reports the first inconsistency with the index, stored-hash index or checkpoint size, " +
            "expected and found. Exit 0 when all is consistent, 1 when not, 2 when the file cannot be read.")
        {
            db, key, keyFile,
        };
        LogInputs.AddKeyRule(command, key, keyFile, required: false);
        command.SetAction((parseResult, cancellationToken) => ActionRunner.RunAsync(parseResult, async output =>
        {
            NoteVerifier? verifier = LogInputs.ReadVerifier(parseResult, key, keyFile);
            using SqliteLogSnapshot snapshot = await LogInputs.OpenAsync(parseResult.GetValue(db)!, cancellationToken);
            LogAudit audit = await LogInputs.ReadAsync(() => LogAudit.RunAsync(snapshot, verifier, cancellationToken));
            Write(audit, output);
            return audit.Passed ? ExitCodes.Ok : ExitCodes.CheckFailed;
        }));
        return command;
    }

    private static void Write(LogAudit audit, TextWriter output)
    {
        if (!audit.Passed)
        {
            output.WriteLine($"{"FAILED",-9}{audit.Failure}");
            output.WriteLine("verdict: FAILED (the first inconsistency is shown; nothing after it was checked)");
            return;
        }

        output.WriteLine($"{"ok",-9}entries: {audit.EntryCount} entries are valid log entries and match their stored leaf hashes");
        output.WriteLine($"{"ok",-9}hashes: {audit.StoredHashCount} stored hashes match the hashes recomputed from the entries");
        IReadOnlyList<long> sizes = audit.CheckpointSizes;
        string signatures = audit.SignaturesChecked ? "signatures verify" : "signatures not checked (no --key)";
        output.WriteLine(sizes.Count == 0
            ? $"{"ok",-9}checkpoints: none stored"
            : $"{"ok",-9}checkpoints: {sizes.Count} checkpoints (tree sizes {sizes[0]} to {sizes[^1]}, origin {audit.Origin}) match the recomputed roots; {signatures}");
        output.WriteLine($"tree: {audit.EntryCount} entries, root {audit.RootHash.ToBase64()}");
        output.WriteLine("verdict: PASSED");
    }
}
