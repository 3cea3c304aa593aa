// Every exception the evidence log throws is made here, so each message names the rule it enforces.
// Exceptions are for programmer errors only; untrusted input goes through TryParse/Verify instead.

using System.Diagnostics;

namespace TimeMark.EvidenceLog;

internal static class Errors
{
    public static ArgumentException HashLength(string paramName, int length) =>
        new($"evidence log: a hash is {Hash.Size} bytes, got {length}", paramName);

    public static ArgumentException SpanLength(string paramName, int length, int expected) =>
        new($"evidence log: {paramName} has {length} elements, the operation needs {expected}", paramName);

    public static ArgumentOutOfRangeException OutOfRange(string paramName, object value, string rule) =>
        new(paramName, value, $"evidence log: {rule}");

    public static ArgumentException InvalidKeyName(string paramName) =>
        new("signed note: key name must be non-empty and contain no Unicode space, '+' or control character", paramName);

    public static ArgumentException WrongAlgorithm(string paramName) =>
        new("signed note: only Ed25519 keys are supported (signature type 0x01)", paramName);

    public static ArgumentException InvalidNoteText(string paramName) =>
        new("signed note: text must be well-formed, end in a newline and contain no control character other than newline", paramName);

    public static ArgumentException NoSigners(string paramName) =>
        new("signed note: a note needs at least one signature", paramName);

    public static ArgumentException AmbiguousVerifier(string paramName, string name, uint keyId) =>
        new($"signed note: two different verifier keys share the name '{name}' and key ID {keyId:x8}", paramName);

    public static ArgumentException InvalidOrigin(string paramName) =>
        new("checkpoint: origin must be a non-empty single line without control characters", paramName);

    public static ArgumentException InvalidExtensionLine(string paramName) =>
        new("checkpoint: extension lines must be non-empty single lines without control characters", paramName);

    public static ArgumentException EntryTooLarge(string paramName, int index, int length) =>
        new($"entry bundle: entry {index} is {length} bytes, the uint16 length prefix allows at most {EntryBundle.MaxEntrySize}", paramName);

    public static ArgumentException BundleCount(string paramName, int count) =>
        new($"entry bundle: a bundle holds 1..{Tile.FullWidth} entries, got {count}", paramName);

    public static InvalidOperationException NotAHashTile() =>
        new("tile: an entry bundle has no stored hashes; read its entries instead");

    public static ArgumentException PayloadTooLarge(string paramName, int length) =>
        new($"log entry: payload is {length} bytes, at most {LogEntry.MaxPayloadSize} fit a tlog-tiles entry bundle", paramName);

    public static ArgumentException InvalidEntryText(string paramName, int maxBytes) =>
        new($"log entry: {paramName} must be non-empty, valid UTF-16 and at most {maxBytes} UTF-8 bytes", paramName);

    public static InvalidDataException StoreProblem(string path, string problem) =>
        new($"evidence log store '{path}': {problem}");

    // SQLite primary result codes (https://sqlite.org/rescode.html): 11 SQLITE_CORRUPT, 26 SQLITE_NOTADB.
    public static InvalidDataException StoreUnreadable(string path, Microsoft.Data.Sqlite.SqliteException e) =>
        new($"evidence log store '{path}': " + (e.SqliteErrorCode switch
        {
            11 => "the database file is corrupt",
            26 => "the file is not a SQLite database",
            _ => "the database cannot be opened or read",
        }) + $" (SQLite error {e.SqliteErrorCode}: {e.Message})", e);

    // PostgreSQL errors carry a SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html); network and
    // protocol failures have none. Npgsql's messages never include the connection string's password.
    public static InvalidDataException StoreUnreadable(string name, Npgsql.NpgsqlException e) =>
        new($"evidence log store '{name}': " + (e is Npgsql.PostgresException postgres
            ? $"the database cannot be opened or read (PostgreSQL error {postgres.SqlState}: {postgres.MessageText})"
            : $"the PostgreSQL server cannot be reached or refused the connection ({e.Message})"), e);

    public static ArgumentException InvalidPostgresUrl(string paramName, string problem) =>
        new($"evidence log: the PostgreSQL URL {problem} (expected postgresql://user:password@host:port/database?key=value)", paramName);

    public static ArgumentException InvalidLogName(string paramName, string rule) =>
        new($"evidence log: log name {rule}", paramName);

    public static ArgumentException LogNameForSqlite(string paramName) =>
        new("evidence log: a log name is for PostgreSQL only; a SQLite file holds one log", paramName);

    public static InvalidDataException StoreMissingRow(string path, string table, long index) =>
        new($"evidence log store '{path}': table {table} has no row {index} although the tree includes it");

    public static ArgumentException InvalidOption(string option, string rule) =>
        new($"evidence log option {option} {rule}", option);

    public static ObjectDisposedException LogStopping() =>
        new(nameof(LogAppender), "evidence log: the log is stopping; no index can be reserved or filled");

    public static InvalidOperationException LogFailed(Exception cause) =>
        new($"evidence log: the sequencer stopped after a storage failure ({cause.Message}); no entry can be appended", cause);

    public static InvalidOperationException AlreadyFilled(long index) =>
        new($"evidence log: index {index} was already filled");

    public static InvalidOperationException NotCommitted(long index) =>
        new($"evidence log: the log stopped before index {index} became durable (an earlier index was never filled)");

    public static UnreachableException BadMath(string where) =>
        new($"evidence log: bad index math in {where}");
}
