using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using NSec.Cryptography;
using TimeMark.EvidenceLog;

namespace TimeMark.Cli.Log;

/// <summary>
/// The inputs the <c>timemark log</c> verbs share: the log database, the log's verifier key, a leaf hash.
/// Every way they can be unusable becomes an <see cref="InputException"/> (exit 2).
/// </summary>
internal static class LogInputs
{
    public static Option<string> DbOption() => new("--db")
    {
        Description = "The evidence log's SQLite file. Opened read-only, as one snapshot; never created or changed.",
        HelpName = "PATH",
        Required = true,
    };

    public static Option<string> KeyOption() => new("--key")
    {
        Description = "The log's C2SP signed-note verifier key, name+hex8+base64 (e.g. timemark.example/broker-1+1a2b3c4d+AXm...).",
        HelpName = "VKEY",
    };

    public static Option<string> KeyFileOption() => new("--key-file")
    {
        Description = "A file holding the log's verifier key on one line (instead of --key).",
        HelpName = "FILE",
    };

    /// <summary>Adds the rule that --key and --key-file exclude each other, and that one is needed if <paramref name="required"/>.</summary>
    public static void AddKeyRule(Command command, Option<string> key, Option<string> keyFile, bool required) =>
        command.Validators.Add(result =>
        {
            bool hasKey = result.GetResult(key) is not null;
            bool hasFile = result.GetResult(keyFile) is not null;
            if (hasKey && hasFile)
                result.AddError(Errors.KeyOptionsBoth);
            else if (required && !hasKey && !hasFile)
                result.AddError(Errors.KeyOptionsNone);
        });

    /// <summary>The verifier from --key or --key-file, or null if neither was given.</summary>
    public static NoteVerifier? ReadVerifier(ParseResult parseResult, Option<string> key, Option<string> keyFile)
    {
        string source;
        string text;
        if (parseResult.GetValue(key) is string inline)
        {
            source = "--key";
            text = inline;
        }
        else if (parseResult.GetValue(keyFile) is string path)
        {
            source = path;
            // A key file ends in a newline, as the key lines other tools print.
            text = System.Text.Encoding.UTF8.GetString(InputFiles.ReadAllBytes(path)).TrimEnd('\n', '\r');
        }
        else
        {
            return null;
        }

        if (NoteVerifier.TryParse(text, out NoteVerifier? verifier, out ParseError error))
            return verifier;
        throw new InputException(Errors.NotAVerifierKey(source, error));
    }

    /// <summary>Opens the log read-only; a missing, unreadable or foreign file is an input error.</summary>
    public static async Task<SqliteLogSnapshot> OpenAsync(string db, CancellationToken cancellationToken)
    {
        try
        {
            return await SqliteLogSnapshot.OpenAsync(db, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new InputException(e.Message, e);
        }
    }

    /// <summary>Runs a read on an open log; a read the file refuses (a corrupt page) is an input error too.</summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new InputException(e.Message, e);
        }
    }

    /// <summary>A hash given on the command line: standard base64 of 32 bytes, canonical (re-encodes to the same text).</summary>
    public static bool TryParseHash(string text, out Hash hash)
    {
        hash = default;
        Span<byte> bytes = stackalloc byte[Hash.Size];
        if (!Convert.TryFromBase64String(text, bytes, out int written) || written != Hash.Size || Convert.ToBase64String(bytes) != text)
            return false;
        hash = new Hash(bytes);
        return true;
    }
}
