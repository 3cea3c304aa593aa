using System.CommandLine;
using TimeMark.Cli.Log;
using TimeMark.EvidenceLog;

namespace TimeMark.Cli.Commands;

/// <summary>
/// <c>timemark log check-consistency</c>: checks offline that a newer signed checkpoint extends an older one, given the
/// log's verifier key and a consistency proof (<see cref="ConsistencyProofJson"/>, RFC 9162 §2.1.4.2).
/// </summary>
internal static class LogCheckConsistencyCommand
{
    public static Command Create()
    {
        var old = new Option<string>("--old") { Description = "The older signed checkpoint.", HelpName = "CHECKPOINT", Required = true };
        var @new = new Option<string>("--new") { Description = "The newer signed checkpoint.", HelpName = "CHECKPOINT", Required = true };
        Option<string> key = LogInputs.KeyOption();
        Option<string> keyFile = LogInputs.KeyFileOption();
        var proof = new Option<string>("--proof") { Description = "The consistency proof JSON, as 'timemark log consistency' prints it.", HelpName = "PROOF.json", Required = true };
        var command = new Command("check-consistency",
            "Check offline that the newer checkpoint's tree extends the older one's: both signatures with the log's key, both checkpoint " +
            "texts, the same origin, the proof's format and sizes, and the proof itself. Prints one line per check and a verdict. " +
            "Exit 0 when every check passed, 1 when one failed, 2 when an input cannot be read.")
        {
            old, @new, key, keyFile, proof,
        };
        LogInputs.AddKeyRule(command, key, keyFile, required: true);
        command.SetAction(parseResult => ActionRunner.Run(parseResult, output =>
        {
            NoteVerifier verifier = LogInputs.ReadVerifier(parseResult, key, keyFile)!;
            string proofPath = parseResult.GetValue(proof)!;
            byte[] proofBytes = InputFiles.ReadAllBytes(proofPath);

            var checks = new CheckList();
            Checkpoint? oldTree = CheckpointFile.Check(checks, "old-", parseResult.GetValue(old)!, verifier);
            Checkpoint? newTree = CheckpointFile.Check(checks, "new-", parseResult.GetValue(@new)!, verifier);
            if (oldTree is null || newTree is null)
                checks.Skip("origin", "needs both checkpoints");
            else
                checks.Add("origin", oldTree.Origin == newTree.Origin, oldTree.Origin == newTree.Origin
                    ? $"both checkpoints are of {oldTree.Origin}"
                    : $"the old checkpoint is of {oldTree.Origin}, the new one of {newTree.Origin}");

            bool parsed = ConsistencyProofJson.TryParse(proofBytes, out ConsistencyProofJson? consistency, out ProofJsonError error);
            checks.Add("proof", parsed, consistency is null
                ? $"{proofPath} is not a consistency proof ({error})"
                : $"consistency proof from tree size {consistency.OldSize} to {consistency.NewSize}, {consistency.Hashes.Length} hashes");

            if (oldTree is null || newTree is null || consistency is null)
            {
                checks.Skip("sizes", "needs both checkpoints and a proof");
                checks.Skip("consistency", "needs both checkpoints and a proof");
            }
            else if (!checks.Add("sizes", consistency.OldSize == oldTree.TreeSize && consistency.NewSize == newTree.TreeSize,
                $"the proof is from {consistency.OldSize} to {consistency.NewSize}, the checkpoints are of {oldTree.TreeSize} and {newTree.TreeSize}"))
            {
                checks.Skip("consistency", "the proof is for other tree sizes");
            }
            else
            {
                bool consistent = consistency.Verify(oldTree.RootHash, newTree.RootHash);
                checks.Add("consistency", consistent, consistent
                    ? $"the tree of {oldTree.TreeSize} entries is a prefix of the tree of {newTree.TreeSize}"
                    : $"the proof does not show the tree of {oldTree.TreeSize} entries is a prefix of the tree of {newTree.TreeSize}");
            }

            return checks.Write(output);
        }));
        return command;
    }
}
