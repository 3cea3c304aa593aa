// The evidence log on PostgreSQL (Npgsql), for deployments that outgrow one machine (design.md, "Evidence log"). It keeps
// the LogStore contract (LogStore.cs) with the same tables as SQLite, in one PostgreSQL schema per log, so several brokers
// can share one database with a log each: schema = log name. A schema per log (rather than a log_id column) keeps every
// primary key and query exactly as on SQLite, lets an operator grant each broker's role its own schema only, and makes
// deleting a log one DROP SCHEMA.
//
// Durability: PostgreSQL flushes its WAL before COMMIT returns when synchronous_commit is on (the default) and fsync is on.
// PrepareForWritingAsync refuses a server with fsync = off and turns synchronous_commit back on for the writer's session if
// a setting turned it off (https://www.postgresql.org/docs/current/wal-async-commit.html).
// Single writer across processes: the writer holds a session-level advisory lock keyed by the schema's OID; PostgreSQL
// releases it when the writer's connection ends, including when the writer's process is killed.
// Group commit: one transaction per batch, sent as one round trip (two multi-row INSERT … SELECT FROM unnest(arrays)
// statements in one NpgsqlBatch) plus the COMMIT. The earlier hashes a batch joins with are the roots of the current
// tree's complete subtrees (MerkleTree.TreeHashIndexes), kept in memory, so appending reads nothing.

using System.Data;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace TimeMark.EvidenceLog;

/// <summary>
/// An evidence log stored in one schema of a PostgreSQL database: entries, stored Merkle hashes and signed checkpoints.
/// Reads are safe from any thread (pooled connections). Writes are internal: only the log's single sequencer
/// (<see cref="LogAppender"/>) makes them, on one dedicated connection.
/// </summary>
public sealed class PostgresLogStore : LogStore
{
    /// <summary>The log name (PostgreSQL schema) used when none is given.</summary>
    public const string DefaultLogName = "timemark";

    /// <summary>The longest log name: PostgreSQL's identifier limit (NAMEDATALEN - 1).</summary>
    public const int MaxLogNameLength = 63;

    /// <summary>What a valid log name is, for messages that refuse one.</summary>
    public const string LogNameRule = "must be 1..63 characters of a-z, 0-9 and _, must not start with a digit or pg_";

    // How long a new writer waits for the log's advisory lock. A killed predecessor's backend releases it as soon as it
    // sees its client's socket close (well under a second); a live one never does, so waiting longer would only hang startup.
    private static readonly TimeSpan WriterLockTimeout = TimeSpan.FromSeconds(10);

    // Pooled connections for the public reads. Thread-safe.
    private readonly NpgsqlDataSource _dataSource;

    // The writer's connection: used by opening, then owned by the sequencer (the only caller of the internal write methods).
    private readonly NpgsqlConnection _write;

    // The stored hashes at MerkleTree.TreeHashIndexes(TreeSize), by storage index: every earlier hash a later append joins
    // with. Set by opening, then owned by the sequencer.
    private Dictionary<long, Hash> _frontier = [];

    // Schema-qualified table names, e.g. "broker1".entries; the log name is validated, so quoting it is enough.
    private readonly string _entries;
    private readonly string _hashes;
    private readonly string _checkpoints;
    private readonly string _schemaVersion;

    private PostgresLogStore(string name, string logName, NpgsqlDataSource dataSource, NpgsqlConnection write)
        : base(name)
    {
        LogName = logName;
        _dataSource = dataSource;
        _write = write;
        (_entries, _hashes, _checkpoints, _schemaVersion) = Tables(logName);
    }

    /// <summary>The log's name, which is the PostgreSQL schema holding its tables.</summary>
    public string LogName { get; }

    /// <summary>
    /// Opens the log <paramref name="logName"/> (a PostgreSQL schema) in the database named by <paramref name="connectionString"/>,
    /// creating the schema and its tables if the schema is missing or empty, and checks that the stored tree is
    /// self-consistent (sizes, last leaf hash, latest checkpoint's root). The database itself must exist.
    /// </summary>
    /// <param name="connectionString">
    /// An Npgsql connection string (<c>Host=db;Port=5432;Username=u;Password=p;Database=d</c>) or a libpq URL
    /// (<c>postgresql://u:p@db:5432/d?sslmode=require</c>; query keys are Npgsql connection string keywords, plus libpq's
    /// <c>sslmode</c>, <c>connect_timeout</c> and <c>application_name</c>).
    /// </param>
    /// <param name="logName">The schema: 1..63 characters of a-z, 0-9 and _, not starting with a digit or <c>pg_</c>.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <exception cref="ArgumentException">The connection string or URL is malformed, or the log name is invalid.</exception>
    /// <exception cref="InvalidDataException">
    /// The server cannot be reached or refuses the connection or a query, the schema holds something other than a TimeMark
    /// evidence log, the schema version is newer than <see cref="LogStore.SchemaVersion"/>, or the stored tree is
    /// inconsistent. The message names the database without its password (<see cref="LogStore.Name"/>) and the problem.
    /// </exception>
    public static async Task<PostgresLogStore> OpenAsync(string connectionString, string logName = DefaultLogName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ArgumentNullException.ThrowIfNull(logName);
        if (!IsValidLogName(logName))
        {
            throw Errors.InvalidLogName(nameof(logName), LogNameRule);
        }

        NpgsqlConnectionStringBuilder builder = ParseConnectionString(connectionString, nameof(connectionString));
        string name = DisplayName(builder, logName);
        NpgsqlDataSource dataSource = NpgsqlDataSource.Create(builder);
        NpgsqlConnection? write = null;
        try
        {
            write = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var store = new PostgresLogStore(name, logName, dataSource, write);
            store.SetTreeSize(await store.CreateOrCheckAsync(cancellationToken).ConfigureAwait(false));
            return store;
        }
        catch (Exception e)
        {
            if (write is not null)
            {
                await write.DisposeAsync().ConfigureAwait(false);
            }

            await dataSource.DisposeAsync().ConfigureAwait(false);
            if (e is NpgsqlException npgsql)
            {
                throw Errors.StoreUnreadable(name, npgsql);
            }

            throw;
        }
    }

    /// <summary>Whether <paramref name="logName"/> is a valid log name (see <see cref="OpenAsync"/>).</summary>
    public static bool IsValidLogName(string logName) =>
        logName.Length is > 0 and <= MaxLogNameLength
        && !char.IsAsciiDigit(logName[0])
        && !logName.StartsWith("pg_", StringComparison.Ordinal)
        && logName.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');

    /// <summary>
    /// Reads an Npgsql connection string or a <c>postgres://</c> / <c>postgresql://</c> URL into Npgsql's builder.
    /// </summary>
    /// <exception cref="ArgumentException">Malformed.</exception>
    internal static NpgsqlConnectionStringBuilder ParseConnectionString(string connectionString, string paramName)
    {
        if (!connectionString.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            && !connectionString.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return new NpgsqlConnectionStringBuilder(connectionString);
        }

        // libpq's URL form (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS).
        if (!Uri.TryCreate(connectionString, UriKind.Absolute, out Uri? uri))
        {
            throw Errors.InvalidPostgresUrl(paramName, "does not parse as a URL");
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            throw Errors.InvalidPostgresUrl(paramName, "has no host");
        }

        var builder = new NpgsqlConnectionStringBuilder { Host = uri.IdnHost };
        if (uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        if (uri.UserInfo.Length > 0)
        {
            string[] user = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(user[0]);
            if (user.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(user[1]);
            }
        }

        string database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = pair.Split('=', 2);
            string key = Uri.UnescapeDataString(parts[0]);
            string value = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : string.Empty;
            string keyword = key switch
            {
                "sslmode" => "SSL Mode",
                "connect_timeout" => "Timeout",
                "application_name" => "Application Name",
                _ => key,
            };
            try
            {
                builder[keyword] = value;
            }
            catch (ArgumentException e)
            {
                throw Errors.InvalidPostgresUrl(paramName, $"has an unsupported parameter '{key}' ({e.Message})");
            }
        }

        return builder;
    }

    /// <summary>
    /// Claims the log for this writer (session advisory lock, waiting at most <see cref="WriterLockTimeout"/>), checks that
    /// commits will be durable (refuses fsync = off, sets synchronous_commit = on if the session had it off), then re-reads
    /// and re-checks the tree, which no other writer can change any more.
    /// </summary>
    internal override async Task PrepareForWritingAsync(CancellationToken cancellationToken)
    {
        try
        {
            string fsync;
            string synchronousCommit;
            await using (NpgsqlCommand settings = new("SELECT current_setting('fsync'), current_setting('synchronous_commit')", _write))
            await using (NpgsqlDataReader row = await settings.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await row.ReadAsync(cancellationToken).ConfigureAwait(false);
                fsync = row.GetString(0);
                synchronousCommit = row.GetString(1);
            }

            if (fsync != "on")
            {
                throw Errors.StoreProblem(Name, "the server runs with fsync = off, so a committed entry could be lost in a crash; the evidence log needs fsync = on");
            }

            // "local", "remote_write", "remote_apply" and "on" all flush the local WAL at commit; only "off" does not.
            if (synchronousCommit == "off")
            {
                await Execute(_write, null, "SET synchronous_commit = on", cancellationToken).ConfigureAwait(false);
            }

            // A session-level lock taken inside a transaction outlives it; SET LOCAL bounds only this wait.
            await using NpgsqlTransaction transaction = await _write.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await Execute(_write, transaction, $"SET LOCAL lock_timeout = {(long)WriterLockTimeout.TotalMilliseconds}", cancellationToken).ConfigureAwait(false);
            await using NpgsqlCommand command = new(
                "SELECT pg_advisory_lock((@application::bigint << 32) | (SELECT oid FROM pg_namespace WHERE nspname = @schema)::bigint)", _write, transaction);
            command.Parameters.AddWithValue("application", ApplicationId);
            command.Parameters.AddWithValue("schema", LogName);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

            // Another writer may have appended between opening and taking the lock: read the tree again, now that it cannot change.
            SetTreeSize(await CreateOrCheckAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            throw Errors.StoreProblem(Name, $"another appender is writing this log (its PostgreSQL advisory lock was still held after {WriterLockTimeout.TotalSeconds:F0} s)");
        }
        catch (NpgsqlException e)
        {
            throw Errors.StoreUnreadable(Name, e);
        }
    }

    internal override async Task AppendAsync(ReadOnlyMemory<PendingEntry> entries)
    {
        long start = TreeSize;
        long stored = MerkleTree.StoredHashCount(start);
        var reader = new BatchHashReader(stored, _frontier);
        long[] entryIndexes = new long[entries.Length];
        byte[][] leafHashes = new byte[entries.Length][];
        byte[][] entryBytes = new byte[entries.Length][];
        Span<Hash> scratch = stackalloc Hash[MerkleTree.MaxStoredHashesPerEntry];
        for (int i = 0; i < entries.Length; i++)
        {
            long n = start + i;
            PendingEntry entry = entries.Span[i];
            entryIndexes[i] = n;
            leafHashes[i] = entry.LeafHash.AsSpan().ToArray();
            entryBytes[i] = entry.Bytes;
            int count = MerkleTree.StoredHashes(n, entry.LeafHash, reader, scratch);
            if (MerkleTree.StoredHashIndex(0, n) != reader.NextIndex)
            {
                throw Errors.BadMath(nameof(AppendAsync));
            }

            for (int j = 0; j < count; j++)
            {
                reader.Add(scratch[j]);
            }
        }

        long[] hashIndexes = new long[reader.Added.Count];
        byte[][] hashBytes = new byte[reader.Added.Count][];
        for (int j = 0; j < hashIndexes.Length; j++)
        {
            hashIndexes[j] = stored + j;
            hashBytes[j] = reader.Added[j].AsSpan().ToArray();
        }

        await using NpgsqlTransaction transaction = await _write.BeginTransactionAsync().ConfigureAwait(false);
        await using (var batch = new NpgsqlBatch(_write, transaction))
        {
            var insertEntries = new NpgsqlBatchCommand($"INSERT INTO {_entries} (idx, leaf_hash, entry) SELECT * FROM unnest(@idx, @leaf, @entry)");
            insertEntries.Parameters.Add(new NpgsqlParameter<long[]>("idx", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = entryIndexes });
            insertEntries.Parameters.Add(new NpgsqlParameter<byte[][]>("leaf", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = leafHashes });
            insertEntries.Parameters.Add(new NpgsqlParameter<byte[][]>("entry", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = entryBytes });
            var insertHashes = new NpgsqlBatchCommand($"INSERT INTO {_hashes} (idx, hash) SELECT * FROM unnest(@idx, @hash)");
            insertHashes.Parameters.Add(new NpgsqlParameter<long[]>("idx", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = hashIndexes });
            insertHashes.Parameters.Add(new NpgsqlParameter<byte[][]>("hash", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = hashBytes });
            batch.BatchCommands.Add(insertEntries);
            batch.BatchCommands.Add(insertHashes);
            await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        await transaction.CommitAsync().ConfigureAwait(false);
        long size = start + entries.Length;
        long[] frontier = MerkleTree.TreeHashIndexes(size);
        var next = new Dictionary<long, Hash>(frontier.Length);
        Hash[] frontierHashes = new Hash[frontier.Length];
        reader.ReadHashes(frontier, frontierHashes);
        for (int i = 0; i < frontier.Length; i++)
        {
            next[frontier[i]] = frontierHashes[i];
        }

        _frontier = next;
        SetTreeSize(size);
    }

    internal override async Task AddCheckpointAsync(long treeSize, byte[] note)
    {
        CheckSize(nameof(treeSize), treeSize);
        await using NpgsqlCommand command = new($"INSERT INTO {_checkpoints} (tree_size, note) VALUES (@size, @note)", _write);
        command.Parameters.AddWithValue("size", treeSize);
        command.Parameters.AddWithValue("note", Encoding.UTF8.GetString(note));
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private protected override async Task<byte[]?> ReadEntryCoreAsync(long index, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _dataSource.CreateCommand($"SELECT entry FROM {_entries} WHERE idx = @idx");
        command.Parameters.AddWithValue("idx", index);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
    }

    private protected override async Task<Hash[]> ReadHashesCoreAsync(long[] indexes, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadHashesAsync(connection, null, indexes, cancellationToken).ConfigureAwait(false);
    }

    private protected override async Task<byte[]?> ReadLatestCheckpointCoreAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _dataSource.CreateCommand($"SELECT note FROM {_checkpoints} ORDER BY tree_size DESC LIMIT 1");
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string note ? Encoding.UTF8.GetBytes(note) : null;
    }

    private protected override void DisposeCore()
    {
        _write.Dispose();
        _dataSource.Dispose();
    }

    private protected override async ValueTask DisposeCoreAsync()
    {
        await _write.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    private static (string Entries, string Hashes, string Checkpoints, string SchemaVersion) Tables(string logName) =>
        ($"\"{logName}\".entries", $"\"{logName}\".hashes", $"\"{logName}\".checkpoints", $"\"{logName}\".schema_version");

    // postgresql://user@host:port/database schema NAME: enough to find the log, never the password.
    private static string DisplayName(NpgsqlConnectionStringBuilder builder, string logName)
    {
        string user = string.IsNullOrEmpty(builder.Username) ? string.Empty : builder.Username + "@";
        return $"postgresql://{user}{builder.Host}:{builder.Port}/{builder.Database} schema {logName}";
    }

    // Creates the schema's tables if it has none, else checks it is a TimeMark log of a known version; then runs the
    // tree checks. One REPEATABLE READ transaction, so the checks see one snapshot even while another process appends.
    private async Task<long> CreateOrCheckAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlTransaction transaction = await _write.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        // Serialises concurrent first opens of logs in this database, so two creators do not race on CREATE TABLE.
        await using (NpgsqlCommand serialise = new("SELECT pg_advisory_xact_lock(@application)", _write, transaction))
        {
            serialise.Parameters.AddWithValue("application", (long)ApplicationId);
            await serialise.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (NpgsqlCommand objects = new(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema", _write, transaction))
        {
            objects.Parameters.AddWithValue("schema", LogName);
            if ((long)(await objects.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 0)
            {
                await Execute(_write, transaction, CreateSchemaSql(), cancellationToken).ConfigureAwait(false);
            }
        }

        await using (NpgsqlCommand columns = new(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = @schema AND table_name = 'schema_version' AND column_name IN ('application_id', 'version')",
            _write,
            transaction))
        {
            columns.Parameters.AddWithValue("schema", LogName);
            if ((long)(await columns.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! != 2)
            {
                throw Errors.StoreProblem(Name, $"not a TimeMark evidence log (schema {LogName} holds other tables and no schema_version table)");
            }
        }

        await using (NpgsqlCommand version = new($"SELECT min(application_id), max(application_id), max(version) FROM {_schemaVersion}", _write, transaction))
        await using (NpgsqlDataReader row = await version.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await row.ReadAsync(cancellationToken).ConfigureAwait(false);
            long lowId = row.IsDBNull(0) ? 0 : row.GetInt32(0);
            long highId = row.IsDBNull(1) ? 0 : row.GetInt32(1);
            long schemaVersion = row.IsDBNull(2) ? 0 : row.GetInt32(2);
            if (lowId != ApplicationId || highId != ApplicationId)
            {
                throw Errors.StoreProblem(Name, $"not a TimeMark evidence log (schema_version.application_id {highId:x8}, expected {ApplicationId:x8})");
            }

            if (schemaVersion > SchemaVersion)
            {
                throw Errors.StoreProblem(Name, $"schema version {schemaVersion} is newer than this build supports ({SchemaVersion}); use a newer TimeMark");
            }

            if (schemaVersion != SchemaVersion)
            {
                throw Errors.StoreProblem(Name, $"unknown schema version {schemaVersion} (this build supports {SchemaVersion})");
            }
        }

        StoredTreeSummary summary;
        await using (NpgsqlCommand command = new(
            $"""
            SELECT (SELECT coalesce(max(idx) + 1, 0) FROM {_entries}),
                   (SELECT coalesce(max(idx) + 1, 0) FROM {_hashes}),
                   e.leaf_hash, e.entry,
                   (SELECT note FROM {_checkpoints} ORDER BY tree_size DESC LIMIT 1)
            FROM (SELECT 1) AS one LEFT JOIN {_entries} e ON e.idx = (SELECT max(idx) FROM {_entries})
            """,
            _write,
            transaction))
        await using (NpgsqlDataReader row = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await row.ReadAsync(cancellationToken).ConfigureAwait(false);
            summary = new StoredTreeSummary(
                row.GetInt64(0),
                row.GetInt64(1),
                row.IsDBNull(2) ? null : row.GetFieldValue<byte[]>(2),
                row.IsDBNull(3) ? null : row.GetFieldValue<byte[]>(3),
                row.IsDBNull(4) ? null : Encoding.UTF8.GetBytes(row.GetString(4)));
        }

        long treeSize = await CheckTreeAsync(Name, summary, indexes => ReadHashesAsync(_write, transaction, indexes, cancellationToken)).ConfigureAwait(false);
        long[] frontier = MerkleTree.TreeHashIndexes(treeSize);
        Hash[] frontierHashes = frontier.Length == 0 ? [] : await ReadHashesAsync(_write, transaction, frontier, cancellationToken).ConfigureAwait(false);
        _frontier = frontier.Zip(frontierHashes).ToDictionary(pair => pair.First, pair => pair.Second);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return treeSize;
    }

    private string CreateSchemaSql() =>
        $"""
        CREATE SCHEMA IF NOT EXISTS "{LogName}";
        CREATE TABLE {_schemaVersion} (application_id integer NOT NULL, version integer NOT NULL);
        INSERT INTO {_schemaVersion} (application_id, version) VALUES ({ApplicationId}, {SchemaVersion});
        CREATE TABLE {_entries} (
            idx bigint PRIMARY KEY CHECK (idx >= 0),
            leaf_hash bytea NOT NULL CHECK (octet_length(leaf_hash) = 32),
            entry bytea NOT NULL);
        CREATE TABLE {_hashes} (
            idx bigint PRIMARY KEY CHECK (idx >= 0),
            hash bytea NOT NULL CHECK (octet_length(hash) = 32));
        CREATE TABLE {_checkpoints} (
            tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
            note text NOT NULL);
        """;

    // The hashes at `indexes` (any order, repeats allowed) in that order, in one query.
    private async Task<Hash[]> ReadHashesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long[] indexes, CancellationToken cancellationToken)
    {
        var found = new Dictionary<long, Hash>(indexes.Length);
        await using (NpgsqlCommand command = new($"SELECT idx, hash FROM {_hashes} WHERE idx = ANY(@indexes)", connection, transaction))
        {
            command.Parameters.AddWithValue("indexes", indexes);
            await using NpgsqlDataReader rows = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found[rows.GetInt64(0)] = new Hash(rows.GetFieldValue<byte[]>(1));
            }
        }

        var hashes = new Hash[indexes.Length];
        for (int i = 0; i < indexes.Length; i++)
        {
            hashes[i] = found.TryGetValue(indexes[i], out Hash hash) ? hash : throw Errors.StoreMissingRow(Name, "hashes", indexes[i]);
        }

        return hashes;
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = new(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stored hashes for one batch: indexes below the stored count come from the frontier (the hashes the tree's root is
    /// made of), the rest from the hashes computed so far in this batch. Used by the sequencer only.
    /// </summary>
    private sealed class BatchHashReader(long storedCount, Dictionary<long, Hash> frontier) : IHashReader
    {
        private readonly List<Hash> _added = [];

        /// <summary>The hashes computed so far, stored from index storedCount on.</summary>
        public List<Hash> Added => _added;

        /// <summary>The storage index the next added hash gets.</summary>
        public long NextIndex => storedCount + _added.Count;

        public void Add(in Hash hash) => _added.Add(hash);

        public void ReadHashes(ReadOnlySpan<long> indexes, Span<Hash> destination)
        {
            if (destination.Length != indexes.Length)
            {
                throw Errors.SpanLength(nameof(destination), destination.Length, indexes.Length);
            }

            for (int i = 0; i < indexes.Length; i++)
            {
                long index = indexes[i];
                if (index >= storedCount)
                {
                    destination[i] = index < NextIndex ? _added[checked((int)(index - storedCount))] : throw Errors.BadMath(nameof(BatchHashReader));
                }
                else
                {
                    // Only a subtree of the tree's binary decomposition can be a left sibling of a new entry's path.
                    destination[i] = frontier.TryGetValue(index, out Hash hash) ? hash : throw Errors.BadMath(nameof(BatchHashReader));
                }
            }
        }
    }
}
