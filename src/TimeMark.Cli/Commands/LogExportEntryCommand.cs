using System.CommandLine;
using TimeMark.Cli.Log;
using TimeMark.EvidenceLog;

namespace TimeMark.Cli.Commands;

/// <summary><c>timemark log export-entry</c>: writes one stored entry's raw bytes, the input of <c>log check-proof --entry</c>.</summary>
internal static class LogExportEntryCommand
{
    public static Command Create()
    {
        Option<string> db = LogInputs.DbOption();
        var index = new Option<long>("--index") { Description = "The entry's log index.", HelpName = "I", Required = true };
        var outFile = new Option<string>("--out") { Description = "The file to write; an existing file is replaced.", HelpName = "FILE", Required = true };
        var command = new Command("export-entry",
            "Write entry I's bytes exactly as stored (the deterministic CBOR log entry) to FILE, and print its leaf hash.")
        {
            db, index, outFile,
        };
        command.SetAction((parseResult, cancellationToken) => ActionRunner.RunAsync(parseResult, async output =>
        {
            string path = parseResult.GetValue(db)!;
            long leafIndex = parseResult.GetValue(index);
            using SqliteLogSnapshot snapshot = await LogInputs.OpenAsync(path, cancellationToken);
            if (leafIndex < 0 || leafIndex >= snapshot.EntryCount)
                throw new InputException(Errors.IndexBeyondTree(leafIndex, snapshot.EntryCount));
            byte[] entry = await LogInputs.ReadAsync(() => snapshot.ReadEntryAsync(leafIndex, cancellationToken));
            string target = parseResult.GetValue(outFile)!;
            InputFiles.WriteAllBytes(target, entry);
            await output.WriteLineAsync($"wrote {target}: entry {leafIndex}, {entry.Length} bytes, leaf hash {MerkleHash.Leaf(entry).ToBase64()}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
