using System.CommandLine;
using TimeMark.Cli.Log;
using TimeMark.EvidenceLog;

namespace TimeMark.Cli.Commands;

/// <summary>
/// <c>timemark log check-proof</c>: checks offline that an entry is in the log, given a signed checkpoint, the log's
/// verifier key and an inclusion proof (<see cref="InclusionProofJson"/>, RFC 9162 §2.1.3.2).
/// </summary>
internal static class LogCheckProofCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint")
        {
            Description = "The signed checkpoint (C2SP tlog-checkpoint note) to check against.",
            HelpName = "FILE",
            Required = true,
        };
        Option<string> key = LogInputs.KeyOption();
        Option<string> keyFile = LogInputs.KeyFileOption();
        var proof = new Option<string>("--proof") { Description = "The inclusion proof JSON, as 'timemark log prove' prints it.", HelpName = "PROOF.json", Required = true };
        var entry = new Option<string>("--entry") { Description = "The entry's bytes (as 'timemark log export-entry' writes them); its leaf hash is computed.", HelpName = "ENTRY.bin" };
        var leafHash = new Option<string>("--leaf-hash") { Description = "The entry's leaf hash, SHA-256(0x00 || entry), in standard base64 (instead of --entry).", HelpName = "B64" };
        var command = new Command("check-proof",
            "Check offline that an entry is in the log: the checkpoint's signature with the log's key, the checkpoint text, the proof's " +
            "format, that the proof is for the given entry and for the checkpoint's tree size, and that its path leads to the checkpoint's root. " +
            "Prints one line per check and a verdict. Exit 0 when every check passed, 1 when one failed, 2 when an input cannot be read.")
        {
            checkpoint, key, keyFile, proof, entry, leafHash,
        };
        LogInputs.AddKeyRule(command, key, keyFile, required: true);
        command.Validators.Add(result =>
        {
            if ((result.GetResult(entry) is null) == (result.GetResult(leafHash) is null))
                result.AddError(Errors.EntryOrLeafHash);
        });
        leafHash.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (value is not null && !LogInputs.TryParseHash(value, out _))
                result.AddError(Errors.LeafHashInvalid(value));
        });
        command.SetAction(parseResult => ActionRunner.Run(parseResult, output =>
        {
            NoteVerifier verifier = LogInputs.ReadVerifier(parseResult, key, keyFile)!;
            byte[] proofBytes = InputFiles.ReadAllBytes(parseResult.GetValue(proof)!);
            string? entryPath = parseResult.GetValue(entry);
            byte[]? entryBytes = entryPath is null ? null : InputFiles.ReadAllBytes(entryPath);

            var checks = new CheckList();
            Checkpoint? tree = CheckpointFile.Check(checks, "", parseResult.GetValue(checkpoint)!, verifier);
            string proofPath = parseResult.GetValue(proof)!;
            bool proofParsed = InclusionProofJson.TryParse(proofBytes, out InclusionProofJson? parsed, out ProofJsonError error);
            checks.Add("proof", proofParsed, parsed is null
                ? $"{proofPath} is not an inclusion proof ({error})"
                : $"inclusion proof of leaf {parsed.LeafIndex} in tree size {parsed.TreeSize}, {parsed.Hashes.Length} hashes");

            Hash leaf = CheckLeaf(checks, entryPath, entryBytes, parseResult.GetValue(leafHash), parsed);
            if (tree is null || parsed is null)
            {
                checks.Skip("tree-size", "needs both a checkpoint and a proof");
                checks.Skip("inclusion", "needs both a checkpoint and a proof");
            }
            else if (!checks.Add("tree-size", parsed.TreeSize == tree.TreeSize, parsed.TreeSize == tree.TreeSize
                ? $"the proof is for tree size {tree.TreeSize}, the checkpoint's"
                : $"the proof is for tree size {parsed.TreeSize}, the checkpoint is of {tree.TreeSize}"))
            {
                checks.Skip("inclusion", "the proof is for another tree size");
            }
            else
            {
                bool included = parsed.Verify(leaf, tree.RootHash);
                checks.Add("inclusion", included, included
                    ? $"the path leads from leaf {parsed.LeafIndex} to the checkpoint's root"
                    : $"the path does not lead from leaf {parsed.LeafIndex} (leaf hash {leaf.ToBase64()}) to the checkpoint's root");
            }

            return checks.Write(output);
        }));
        return command;
    }

    // The leaf hash to prove: from --entry (which must also be a valid log entry) or --leaf-hash; either must equal the proof's leaf_hash.
    private static Hash CheckLeaf(CheckList checks, string? entryPath, byte[]? entryBytes, string? leafHashText, InclusionProofJson? proof)
    {
        Hash leaf;
        string what;
        if (entryBytes is not null)
        {
            leaf = MerkleHash.Leaf(entryBytes);
            what = $"{entryPath}: {entryBytes.Length} bytes, leaf hash {leaf.ToBase64()}";
            if (!LogEntry.TryParse(entryBytes, out LogEntry? parsed, out ParseError error))
            {
                checks.Add("entry", false, $"{entryPath} is not a valid log entry ({error})");
            }
            else
            {
                checks.Add("entry", true, parsed.Kind == LogEntryKind.Message
                    ? $"{what}; a message entry (topic {parsed.Topic}, publisher {parsed.Publisher}, INGESTION_TIME {parsed.IngestionTimeMs})"
                    : $"{what}; a void entry ({parsed.Reason})");
            }
        }
        else
        {
            // The option's validator already refused a bad value; this keeps the method honest on its own.
            if (!LogInputs.TryParseHash(leafHashText!, out leaf))
                throw new InputException(Errors.LeafHashInvalid(leafHashText!));
            what = $"leaf hash {leaf.ToBase64()}";
        }

        if (proof is null)
            checks.Skip("leaf-hash", "no proof to compare with");
        else
            checks.Add("leaf-hash", proof.LeafHash == leaf, proof.LeafHash == leaf
                ? "equals the proof's leaf_hash"
                : $"{leaf.ToBase64()} differs from the proof's leaf_hash {proof.LeafHash.ToBase64()}");
        return leaf;
    }
}
