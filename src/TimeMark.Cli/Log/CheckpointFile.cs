using TimeMark.EvidenceLog;

namespace TimeMark.Cli.Log;

/// <summary>Reads a checkpoint file (a C2SP signed note) and adds its two checks: the signature, then the checkpoint text.</summary>
internal static class CheckpointFile
{
    /// <summary>
    /// Adds "<paramref name="prefix"/>signature" and "<paramref name="prefix"/>checkpoint" checks for the file at <paramref name="path"/>.
    /// Returns the parsed checkpoint even when the signature fails (so later checks can still report), or null if it does not parse.
    /// </summary>
    public static Checkpoint? Check(CheckList checks, string prefix, string path, NoteVerifier verifier)
    {
        byte[] bytes = InputFiles.ReadAllBytes(path);
        if (!SignedNote.TryParse(bytes, out SignedNote? note, out ParseError error))
        {
            checks.Add(prefix + "signature", false, $"{path} is not a signed note ({error})");
            checks.Skip(prefix + "checkpoint", "the file is not a signed note");
            return null;
        }

        bool signed = note.Verify([verifier]);
        string others = note.Signatures.Count == 0 ? "none" : string.Join(", ", note.Signatures.Select(s => $"{s.Name}+{s.KeyId:x8}").Distinct());
        checks.Add(prefix + "signature", signed, signed
            ? $"signed by {verifier}"
            : $"no valid signature by {verifier} (signatures by: {others})");

        if (!Checkpoint.TryParse(note.Text, out Checkpoint? checkpoint, out error))
        {
            checks.Add(prefix + "checkpoint", false, $"the note text is not a checkpoint ({error})");
            return null;
        }

        checks.Add(prefix + "checkpoint", true, $"origin {checkpoint.Origin}, tree size {checkpoint.TreeSize}, root {checkpoint.RootHash.ToBase64()}");
        return checkpoint;
    }
}
