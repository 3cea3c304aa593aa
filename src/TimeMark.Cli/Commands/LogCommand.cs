using System.CommandLine;

namespace TimeMark.Cli.Commands;

/// <summary><c>timemark log</c>: audits an evidence log (docs/evidence-log.md) and checks its proofs offline.</summary>
internal static class LogCommand
{
    public static Command Create() =>
        new("log",
            "Audit an evidence log: recompute a stored log (verify), print inclusion and consistency proofs as JSON " +
            "(prove, consistency, export-entry), and check proofs offline against signed checkpoints (check-proof, check-consistency).")
        {
            LogVerifyCommand.Create(),
            LogProveCommand.Create(),
            LogConsistencyCommand.Create(),
            LogExportEntryCommand.Create(),
            LogCheckProofCommand.Create(),
            LogCheckConsistencyCommand.Create(),
        };
}
