using System.CommandLine;
using TimeMark.Cli.Log;
using TimeMark.EvidenceLog;

namespace TimeMark.Cli.Commands;

/// <summary><c>timemark log prove</c>: prints an RFC 9162 inclusion proof from a stored log as JSON (<see cref="InclusionProofJson"/>).</summary>
internal static class LogProveCommand
{
    public static Command Create()
    {
        Option<string> db = LogInputs.DbOption();
        var index = new Option<long>("--index") { Description = "The entry's log index.", HelpName = "I", Required = true };
        var size = new Option<long?>("--size")
        {
            Description = "The tree size to prove against; defaults to the latest stored checkpoint's size, so the proof checks against that checkpoint.",
            HelpName = "N",
        };
        var command = new Command("prove",
            "Print the inclusion proof of entry I in the tree of N entries as one line of JSON: " +
            "{\"leaf_index\":I,\"tree_size\":N,\"leaf_hash\":\"b64\",\"hashes\":[\"b64\",...]}. The leaf hash is recomputed from the stored entry; " +
            "the path comes from the stored hashes (run 'timemark log verify' to check those).")
        {
            db, index, size,
        };
        command.SetAction((parseResult, cancellationToken) => ActionRunner.RunAsync(parseResult, async output =>
        {
            string path = parseResult.GetValue(db)!;
            using SqliteLogSnapshot snapshot = await LogInputs.OpenAsync(path, cancellationToken);
            long treeSize = parseResult.GetValue(size) ?? await LatestCheckpointSizeAsync(snapshot, path, cancellationToken);
            if (treeSize < 0 || treeSize > snapshot.EntryCount)
                throw new InputException(Errors.SizeBeyondLog("--size", treeSize, path, snapshot.EntryCount));
            long leafIndex = parseResult.GetValue(index);
            if (leafIndex < 0 || leafIndex >= treeSize)
                throw new InputException(Errors.IndexBeyondTree(leafIndex, treeSize));

            byte[] entry = await LogInputs.ReadAsync(() => snapshot.ReadEntryAsync(leafIndex, cancellationToken));
            InclusionProof proof = await LogInputs.ReadAsync(() => snapshot.ProveInclusionAsync(leafIndex, treeSize, cancellationToken));
            await output.WriteLineAsync(InclusionProofJson.From(proof, MerkleHash.Leaf(entry)).Format());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<long> LatestCheckpointSizeAsync(SqliteLogSnapshot snapshot, string path, CancellationToken cancellationToken)
    {
        long[] sizes = await LogInputs.ReadAsync(() => snapshot.ReadCheckpointSizesAsync(cancellationToken));
        if (sizes.Length == 0)
            throw new InputException(Errors.NoCheckpoint(path));
        byte[]? note = await LogInputs.ReadAsync(() => snapshot.ReadCheckpointAsync(sizes[^1], cancellationToken));
        // The size is taken from the note itself, so that the proof matches the checkpoint a user would fetch.
        if (!SignedNote.TryParse(note, out SignedNote? signed, out ParseError error) || !Checkpoint.TryParse(signed.Text, out Checkpoint? checkpoint, out error))
            throw new InputException(Errors.LatestCheckpointUnreadable(path, error));
        return checkpoint.TreeSize;
    }
}
