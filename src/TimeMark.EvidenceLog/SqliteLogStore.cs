// The evidence log's default store: one SQLite file in WAL mode (https://sqlite.org/wal.html), keeping the LogStore
// contract (LogStore.cs): single writer, durable commits, a contiguous prefix, reads of the durable prefix only.
//
// Durability contract: WAL with synchronous=FULL, so every commit fsyncs the WAL before Commit() returns.
// (WAL with synchronous=NORMAL keeps the file consistent but may lose the last commits on power loss, which
// would drop entries whose PUBLISH was already acknowledged: not acceptable for a notary.) Group commit in
// LogAppender pays one fsync per batch, not per entry.
// Consistency contract: entries and their stored hashes are written in one transaction per batch, in index
// order, so the file always holds a contiguous prefix 0..TreeSize-1 and exactly StoredHashCount(TreeSize) hashes.

using System.Data;
using Microsoft.Data.Sqlite;

namespace TimeMark.EvidenceLog;

/// <summary>
/// An evidence log stored in one SQLite file: entries, stored Merkle hashes and signed checkpoints.
/// Reads are safe from any thread. Writes are internal: only the log's single sequencer (<see cref="LogAppender"/>) makes them.
/// </summary>
public sealed class SqliteLogStore : LogStore
{
    // PRAGMA application_id (LogStore.ApplicationId) marks the file as a TimeMark evidence log.
    private const string CreateSchemaSql = """
        CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;
        INSERT INTO schema_version (version) VALUES (1);
        CREATE TABLE entries (
            idx INTEGER PRIMARY KEY,
            leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
            entry BLOB NOT NULL) STRICT;
        CREATE TABLE hashes (
            idx INTEGER PRIMARY KEY,
            hash BLOB NOT NULL CHECK (length(hash) = 32)) STRICT;
        CREATE TABLE checkpoints (
            tree_size INTEGER PRIMARY KEY,
            note TEXT NOT NULL) STRICT;
        PRAGMA application_id = 1414351943;
        """;

    // The write connection. Used by Open, then owned by the sequencer (the only caller of the internal write methods).
    private readonly SqliteConnection _write;

    // The sequencer's statements on _write, prepared once (see AppendCommands).
    private readonly AppendCommands _append;

    // The read connection for the public async reads; guarded by _readLock.
    private readonly SqliteConnection _read;
    private readonly SemaphoreSlim _readLock = new(1, 1);

    private SqliteLogStore(string path, SqliteConnection write, SqliteConnection read)
        : base(path)
    {
        Path = path;
        _write = write;
        _read = read;
        _append = new AppendCommands(write);
    }

    /// <summary>The database file (full path; also <see cref="LogStore.Name"/>).</summary>
    public string Path { get; }

    /// <summary>
    /// Opens the log at <paramref name="path"/>, creating an empty one if the file does not exist or is empty,
    /// and checks that the stored tree is self-consistent (sizes, last leaf hash, latest checkpoint's root).
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The file is not a SQLite database, is corrupt, is another application's database, has a newer schema
    /// version than <see cref="LogStore.SchemaVersion"/>, or its stored tree is inconsistent. The message names the file and the problem.
    /// </exception>
    public static Task<SqliteLogStore> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        cancellationToken.ThrowIfCancellationRequested();
        // Microsoft.Data.Sqlite's async methods complete synchronously; opening is a one-off at startup.
        return OpenCoreAsync(System.IO.Path.GetFullPath(path));
    }

    internal override Task AppendAsync(ReadOnlyMemory<PendingEntry> entries)
    {
        Append(entries.Span);
        return Task.CompletedTask;
    }

    internal override Task AddCheckpointAsync(long treeSize, byte[] note)
    {
        AddCheckpoint(treeSize, note);
        return Task.CompletedTask;
    }

    private protected override async Task<byte[]?> ReadEntryCoreAsync(long index, CancellationToken cancellationToken)
    {
        await _readLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand command = _read.CreateCommand();
            command.CommandText = "SELECT entry FROM entries WHERE idx = $idx";
            command.Parameters.AddWithValue("$idx", index);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as byte[];
        }
        finally
        {
            _readLock.Release();
        }
    }

    private protected override async Task<byte[]?> ReadLatestCheckpointCoreAsync(CancellationToken cancellationToken)
    {
        await _readLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand command = _read.CreateCommand();
            command.CommandText = "SELECT note FROM checkpoints ORDER BY tree_size DESC LIMIT 1";
            object? value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is string note ? System.Text.Encoding.UTF8.GetBytes(note) : null;
        }
        finally
        {
            _readLock.Release();
        }
    }

    private protected override void DisposeCore()
    {
        _append.Dispose();
        _write.Dispose();
        _read.Dispose();
        _readLock.Dispose();
    }

    private protected override ValueTask DisposeCoreAsync()
    {
        DisposeCore();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Appends entries <c>TreeSize .. TreeSize + count - 1</c> and their stored hashes in one durable transaction.
    /// Sequencer only. Returns when the transaction is committed (fsynced).
    /// </summary>
    private void Append(ReadOnlySpan<PendingEntry> entries)
    {
        long start = TreeSize;
        _append.Begin.ExecuteNonQuery();
        try
        {
            // Hashes this batch writes are read back from memory; only older ones come from the file.
            var reader = new BatchHashReader(_append.SelectHash, MerkleTree.StoredHashCount(start));
            Span<Hash> stored = stackalloc Hash[MerkleTree.MaxStoredHashesPerEntry];
            for (int i = 0; i < entries.Length; i++)
            {
                long n = start + i;
                ref readonly PendingEntry entry = ref entries[i];
                _append.EntryIndex.Value = n;
                _append.EntryLeaf.Value = entry.LeafHash.AsSpan().ToArray();
                _append.EntryBytes.Value = entry.Bytes;
                _append.InsertEntry.ExecuteNonQuery();

                int count = MerkleTree.StoredHashes(n, entry.LeafHash, reader, stored);
                long first = MerkleTree.StoredHashIndex(0, n);
                if (first != reader.NextIndex)
                {
                    throw Errors.BadMath(nameof(Append));
                }

                for (int j = 0; j < count; j++)
                {
                    _append.HashIndex.Value = first + j;
                    _append.HashBytes.Value = stored[j].AsSpan().ToArray();
                    _append.InsertHash.ExecuteNonQuery();
                    reader.Add(stored[j]);
                }
            }

            _append.Commit.ExecuteNonQuery();
        }
        catch
        {
            _append.RollBackIfOpen();
            throw;
        }

        SetTreeSize(start + entries.Length);
    }

    /// <summary>Stores a signed checkpoint of <paramref name="treeSize"/> entries, durably. Sequencer only.</summary>
    private void AddCheckpoint(long treeSize, byte[] note)
    {
        CheckSize(nameof(treeSize), treeSize);
        using SqliteCommand command = _write.CreateCommand();
        command.CommandText = "INSERT INTO checkpoints (tree_size, note) VALUES ($size, $note)";
        command.Parameters.AddWithValue("$size", treeSize);
        command.Parameters.AddWithValue("$note", System.Text.Encoding.UTF8.GetString(note));
        command.ExecuteNonQuery();
    }

    private static async Task<SqliteLogStore> OpenCoreAsync(string path)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // Without pooling, Dispose closes the file, so the log can be reopened or deleted at once.
            Pooling = false,
        };
        var write = new SqliteConnection(builder.ToString());
        SqliteConnection? read = null;
        try
        {
            write.Open();
            string mode = Scalar<string>(write, "PRAGMA journal_mode = WAL");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw Errors.StoreProblem(path, $"could not switch to WAL journal mode (got '{mode}')");
            }

            Execute(write, "PRAGMA synchronous = FULL");
            long tables = Scalar<long>(write, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'");
            long applicationId = Scalar<long>(write, "PRAGMA application_id");
            if (tables == 0 && applicationId == 0)
            {
                using SqliteTransaction transaction = write.BeginTransaction();
                Execute(write, CreateSchemaSql, transaction);
                transaction.Commit();
            }
            else if (applicationId != ApplicationId)
            {
                throw Errors.StoreProblem(path, $"not a TimeMark evidence log (SQLite application_id {applicationId:x8}, expected {ApplicationId:x8})");
            }

            long version = Scalar<long>(write, "SELECT max(version) FROM schema_version");
            if (version > SchemaVersion)
            {
                throw Errors.StoreProblem(path, $"schema version {version} is newer than this build supports ({SchemaVersion}); use a newer TimeMark");
            }

            if (version != SchemaVersion)
            {
                throw Errors.StoreProblem(path, $"unknown schema version {version} (this build supports {SchemaVersion})");
            }

            long treeSize;
            using (SqliteTransaction snapshot = write.BeginTransaction(deferred: true))
            using (SqliteCommand selectHash = AppendCommands.SelectHashCommand(write, snapshot))
            {
                var hashes = new BatchHashReader(selectHash, long.MaxValue);
                // Every read of the checks comes from the write connection's one read transaction; no await here really waits.
                treeSize = await CheckTreeAsync(path, ReadSummary(write, snapshot), indexes =>
                {
                    var destination = new Hash[indexes.Length];
                    hashes.ReadHashes(indexes, destination);
                    return Task.FromResult(destination);
                }).ConfigureAwait(false);
            }

            read = new SqliteConnection(builder.ToString());
            read.Open();
            Execute(read, "PRAGMA query_only = ON");
            var store = new SqliteLogStore(path, write, read);
            store.SetTreeSize(treeSize);
            return store;
        }
        catch (SqliteException e)
        {
            write.Dispose();
            read?.Dispose();
            throw Errors.StoreUnreadable(path, e);
        }
        catch
        {
            write.Dispose();
            read?.Dispose();
            throw;
        }
    }

    private static StoredTreeSummary ReadSummary(SqliteConnection connection, SqliteTransaction transaction)
    {
        long entryCount = Scalar<long>(connection, "SELECT coalesce(max(idx) + 1, 0) FROM entries", transaction);
        long hashCount = Scalar<long>(connection, "SELECT coalesce(max(idx) + 1, 0) FROM hashes", transaction);
        byte[]? leaf = null;
        byte[]? entry = null;
        using (SqliteCommand command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT leaf_hash, entry FROM entries WHERE idx = $idx";
            command.Parameters.AddWithValue("$idx", entryCount - 1);
            using SqliteDataReader row = command.ExecuteReader();
            if (row.Read())
            {
                leaf = row.GetFieldValue<byte[]>(0);
                entry = row.GetFieldValue<byte[]>(1);
            }
        }

        return new StoredTreeSummary(entryCount, hashCount, leaf, entry, LatestCheckpoint(connection, transaction));
    }

    private static byte[]? LatestCheckpoint(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT note FROM checkpoints ORDER BY tree_size DESC LIMIT 1";
        return command.ExecuteScalar() is string note ? System.Text.Encoding.UTF8.GetBytes(note) : null;
    }

    private protected override async Task<Hash[]> ReadHashesCoreAsync(long[] indexes, CancellationToken cancellationToken)
    {
        var hashes = new Hash[indexes.Length];
        await _readLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand command = _read.CreateCommand();
            command.CommandText = "SELECT hash FROM hashes WHERE idx = $idx";
            SqliteParameter index = command.Parameters.Add("$idx", SqliteType.Integer);
            for (int i = 0; i < indexes.Length; i++)
            {
                index.Value = indexes[i];
                object? value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                hashes[i] = new Hash(value as byte[] ?? throw Errors.StoreMissingRow(Path, "hashes", indexes[i]));
            }
        }
        finally
        {
            _readLock.Release();
        }

        return hashes;
    }

    private static T Scalar<T>(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        object? value = command.ExecuteScalar();
        return value is T typed ? typed : throw Errors.StoreProblem(connection.DataSource, $"'{sql}' returned {value ?? "null"}");
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// The sequencer's statements, prepared once for the store's life: it commits up to a few thousand times a second, and
    /// SQLite would otherwise parse and plan the same statements for every commit. BEGIN and COMMIT are plain SQL for the
    /// same reason (Microsoft.Data.Sqlite's BeginTransaction issues new ones each time), so the commands take no transaction.
    /// </summary>
    private sealed class AppendCommands : IDisposable
    {
        private readonly SqliteConnection _connection;

        public AppendCommands(SqliteConnection connection)
        {
            _connection = connection;
            Begin = Command(connection, "BEGIN IMMEDIATE");
            Commit = Command(connection, "COMMIT");
            InsertEntry = Command(connection, "INSERT INTO entries (idx, leaf_hash, entry) VALUES ($idx, $leaf, $entry)");
            EntryIndex = InsertEntry.Parameters.Add("$idx", SqliteType.Integer);
            EntryLeaf = InsertEntry.Parameters.Add("$leaf", SqliteType.Blob);
            EntryBytes = InsertEntry.Parameters.Add("$entry", SqliteType.Blob);
            InsertHash = Command(connection, "INSERT INTO hashes (idx, hash) VALUES ($idx, $hash)");
            HashIndex = InsertHash.Parameters.Add("$idx", SqliteType.Integer);
            HashBytes = InsertHash.Parameters.Add("$hash", SqliteType.Blob);
            SelectHash = SelectHashCommand(connection, transaction: null);
        }

        public SqliteCommand Begin { get; }
        public SqliteCommand Commit { get; }
        public SqliteCommand InsertEntry { get; }
        public SqliteParameter EntryIndex { get; }
        public SqliteParameter EntryLeaf { get; }
        public SqliteParameter EntryBytes { get; }
        public SqliteCommand InsertHash { get; }
        public SqliteParameter HashIndex { get; }
        public SqliteParameter HashBytes { get; }
        public SqliteCommand SelectHash { get; }

        /// <summary>SELECT of one stored hash by its storage index, the command's only parameter.</summary>
        public static SqliteCommand SelectHashCommand(SqliteConnection connection, SqliteTransaction? transaction)
        {
            SqliteCommand select = Command(connection, "SELECT hash FROM hashes WHERE idx = $idx");
            select.Transaction = transaction;
            select.Parameters.Add("$idx", SqliteType.Integer);
            return select;
        }

        /// <summary>
        /// Ends a failed batch's transaction, if SQLite has not already (a failed COMMIT may have rolled back), so the
        /// connection is usable again; the failure being reported is the batch's own.
        /// </summary>
        public void RollBackIfOpen()
        {
            if (SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) != 0)
                return;
            try
            {
                Execute(_connection, "ROLLBACK");
            }
            catch (SqliteException)
            {
                // The connection is broken as well; the log fails on the batch's error either way.
            }
        }

        public void Dispose()
        {
            Begin.Dispose();
            Commit.Dispose();
            InsertEntry.Dispose();
            InsertHash.Dispose();
            SelectHash.Dispose();
        }

        private static SqliteCommand Command(SqliteConnection connection, string sql)
        {
            SqliteCommand command = connection.CreateCommand();
            command.CommandText = sql;
            return command;
        }
    }

    /// <summary>
    /// Reads stored hashes for one batch: indexes from <see cref="NextIndex"/>'s starting point on come from
    /// the hashes added so far (not yet committed), older ones from the file, through a SELECT the caller owns
    /// (<see cref="AppendCommands.SelectHashCommand"/>). Used by one thread.
    /// </summary>
    private sealed class BatchHashReader : IHashReader
    {
        private readonly long _base;
        private readonly List<Hash> _added = [];
        private readonly SqliteCommand _select;
        private readonly SqliteParameter _index;

        public BatchHashReader(SqliteCommand select, long storedCount)
        {
            _base = storedCount;
            _select = select;
            _index = select.Parameters[0];
        }

        /// <summary>The storage index the next added hash gets.</summary>
        public long NextIndex => _base + _added.Count;

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
                if (index >= _base)
                {
                    destination[i] = index < NextIndex ? _added[checked((int)(index - _base))] : throw Errors.BadMath(nameof(BatchHashReader));
                    continue;
                }

                _index.Value = index;
                destination[i] = new Hash(_select.ExecuteScalar() as byte[] ?? throw Errors.StoreMissingRow(_select.Connection?.DataSource ?? "?", "hashes", index));
            }
        }
    }
}
