using System.CommandLine;
using TimeMark.Cli.Log;
using TimeMark.EvidenceLog;

namespace TimeMark.Cli.Commands;

/// <summary><c>timemark log consistency</c>: prints an RFC 9162 consistency proof from a stored log as JSON (<see cref="ConsistencyProofJson"/>).</summary>
internal static class LogConsistencyCommand
{
    public static Command Create()
    {
        Option<string> db = LogInputs.DbOption();
        var from = new Option<long>("--from") { Description = "The old tree size.", HelpName = "M", Required = true };
        var to = new Option<long>("--to") { Description = "The new tree size.", HelpName = "N", Required = true };
        var command = new Command("consistency",
            "Print the proof that the tree of M entries is a prefix of the tree of N entries as one line of JSON: " +
            "{\"old_size\":M,\"new_size\":N,\"hashes\":[\"b64\",...]}. M = N and M = 0 give an empty proof.")
        {
            db, from, to,
        };
        command.SetAction((parseResult, cancellationToken) => ActionRunner.RunAsync(parseResult, async output =>
        {
            string path = parseResult.GetValue(db)!;
            long oldSize = parseResult.GetValue(from);
            long newSize = parseResult.GetValue(to);
            using SqliteLogSnapshot snapshot = await LogInputs.OpenAsync(path, cancellationToken);
            if (oldSize < 0)
                throw new InputException(Errors.SizeBeyondLog("--from", oldSize, path, snapshot.EntryCount));
            if (newSize > snapshot.EntryCount)
                throw new InputException(Errors.SizeBeyondLog("--to", newSize, path, snapshot.EntryCount));
            if (oldSize > newSize)
                throw new InputException(Errors.FromAfterTo(oldSize, newSize));

            ConsistencyProof proof = await LogInputs.ReadAsync(() => snapshot.ProveConsistencyAsync(oldSize, newSize, cancellationToken));
            await output.WriteLineAsync(ConsistencyProofJson.From(proof).Format());
            return ExitCodes.Ok;
        }));
        return command;
    }
}
