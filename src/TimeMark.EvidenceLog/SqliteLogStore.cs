// The evidence log's default store: one SQLite file in WAL mode (https://sqlite.org/wal.html).
// Stored hashes use the golang.org/x/mod/sumdb/tlog layout (MerkleTree.StoredHashIndex); proofs are planned
// with the pure plan/compute pairs (InclusionProof.StoredHashIndexes → FromStoredHashes) and read in between.
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
public sealed class SqliteLogStore : IDisposable
{
    /// <summary>The schema version this build writes and reads.</summary>
    public const int SchemaVersion = 1;

    // PRAGMA application_id marks the file as a TimeMark evidence log: ASCII "TMLG".
    private const int ApplicationId = 0x544D4C47;

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

    // The read connection for the public async reads; guarded by _readLock.
    private readonly SqliteConnection _read;
    private readonly SemaphoreSlim _readLock = new(1, 1);

    // The durable tree size. Written only by the sequencer, after a commit (Volatile.Write); read by anyone.
    private long _treeSize;

    private SqliteLogStore(string path, SqliteConnection write, SqliteConnection read, long treeSize)
    {
        Path = path;
        _write = write;
        _read = read;
        _treeSize = treeSize;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>The number of durable entries: entries 0..TreeSize-1 are committed, and no other.</summary>
    public long TreeSize => Volatile.Read(ref _treeSize);

    /// <summary>
    /// Opens the log at <paramref name="path"/>, creating an empty one if the file does not exist or is empty,
    /// and checks that the stored tree is self-consistent (sizes, last leaf hash, latest checkpoint's root).
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The file is not a SQLite database, is corrupt, is another application's database, has a newer schema
    /// version than <see cref="SchemaVersion"/>, or its stored tree is inconsistent. The message names the file and the problem.
    /// </exception>
    public static Task<SqliteLogStore> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        cancellationToken.ThrowIfCancellationRequested();
        // Microsoft.Data.Sqlite's async methods complete synchronously; opening is a one-off at startup.
        return Task.FromResult(Open(System.IO.Path.GetFullPath(path)));
    }

    /// <summary>Reads entry <paramref name="index"/>'s bytes (the deterministic CBOR of <see cref="LogEntry"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ index &lt; <see cref="TreeSize"/>.</exception>
    public async Task<byte[]> ReadEntryAsync(long index, CancellationToken cancellationToken = default)
    {
        CheckSize(nameof(index), index + 1);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        await _readLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand command = _read.CreateCommand();
            command.CommandText = "SELECT entry FROM entries WHERE idx = $idx";
            command.Parameters.AddWithValue("$idx", index);
            object? value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value as byte[] ?? throw Errors.StoreMissingRow(Path, "entries", index);
        }
        finally
        {
            _readLock.Release();
        }
    }

    /// <summary>The root hash of the tree of the first <paramref name="treeSize"/> entries.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ treeSize ≤ <see cref="TreeSize"/>.</exception>
    public async Task<Hash> ReadTreeHashAsync(long treeSize, CancellationToken cancellationToken = default)
    {
        CheckSize(nameof(treeSize), treeSize);
        Hash[] hashes = await ReadHashesAsync(MerkleTree.TreeHashIndexes(treeSize), cancellationToken).ConfigureAwait(false);
        return MerkleTree.TreeHash(treeSize, hashes);
    }

    /// <summary>Proves entry <paramref name="leafIndex"/> is in the tree of <paramref name="treeSize"/> entries (RFC 9162 §2.1.3).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ leafIndex &lt; treeSize ≤ <see cref="TreeSize"/>.</exception>
    public async Task<InclusionProof> ProveInclusionAsync(long leafIndex, long treeSize, CancellationToken cancellationToken = default)
    {
        CheckSize(nameof(treeSize), treeSize);
        long[] indexes = InclusionProof.StoredHashIndexes(leafIndex, treeSize);
        Hash[] hashes = await ReadHashesAsync(indexes, cancellationToken).ConfigureAwait(false);
        return InclusionProof.FromStoredHashes(leafIndex, treeSize, hashes);
    }

    /// <summary>Proves the tree of <paramref name="oldSize"/> entries is a prefix of the tree of <paramref name="newSize"/> (RFC 9162 §2.1.4).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ oldSize ≤ newSize ≤ <see cref="TreeSize"/>.</exception>
    public async Task<ConsistencyProof> ProveConsistencyAsync(long oldSize, long newSize, CancellationToken cancellationToken = default)
    {
        CheckSize(nameof(newSize), newSize);
        long[] indexes = ConsistencyProof.StoredHashIndexes(oldSize, newSize);
        Hash[] hashes = await ReadHashesAsync(indexes, cancellationToken).ConfigureAwait(false);
        return ConsistencyProof.FromStoredHashes(oldSize, newSize, hashes);
    }

    /// <summary>The latest stored checkpoint as a signed note (<see cref="SignedNote.Format"/> bytes), or null if none was stored yet.</summary>
    public async Task<byte[]?> ReadLatestCheckpointAsync(CancellationToken cancellationToken = default)
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

    public void Dispose()
    {
        _write.Dispose();
        _read.Dispose();
        _readLock.Dispose();
    }

    /// <summary>
    /// Appends entries <c>TreeSize .. TreeSize + count - 1</c> and their stored hashes in one durable transaction.
    /// Sequencer only. Returns when the transaction is committed (fsynced).
    /// </summary>
    internal void Append(ReadOnlySpan<PendingEntry> entries)
    {
        long start = TreeSize;
        using SqliteTransaction transaction = _write.BeginTransaction();
        using SqliteCommand insertEntry = _write.CreateCommand();
        insertEntry.Transaction = transaction;
        insertEntry.CommandText = "INSERT INTO entries (idx, leaf_hash, entry) VALUES ($idx, $leaf, $entry)";
        SqliteParameter entryIndex = insertEntry.Parameters.Add("$idx", SqliteType.Integer);
        SqliteParameter entryLeaf = insertEntry.Parameters.Add("$leaf", SqliteType.Blob);
        SqliteParameter entryBytes = insertEntry.Parameters.Add("$entry", SqliteType.Blob);
        using SqliteCommand insertHash = _write.CreateCommand();
        insertHash.Transaction = transaction;
        insertHash.CommandText = "INSERT INTO hashes (idx, hash) VALUES ($idx, $hash)";
        SqliteParameter hashIndex = insertHash.Parameters.Add("$idx", SqliteType.Integer);
        SqliteParameter hashBytes = insertHash.Parameters.Add("$hash", SqliteType.Blob);

        // Hashes this batch writes are read back from memory; only older ones come from the file.
        using var reader = new BatchHashReader(_write, transaction, MerkleTree.StoredHashCount(start));
        Span<Hash> stored = stackalloc Hash[MerkleTree.MaxStoredHashesPerEntry];
        for (int i = 0; i < entries.Length; i++)
        {
            long n = start + i;
            ref readonly PendingEntry entry = ref entries[i];
            entryIndex.Value = n;
            entryLeaf.Value = entry.LeafHash.AsSpan().ToArray();
            entryBytes.Value = entry.Bytes;
            insertEntry.ExecuteNonQuery();

            int count = MerkleTree.StoredHashes(n, entry.LeafHash, reader, stored);
            long first = MerkleTree.StoredHashIndex(0, n);
            if (first != reader.NextIndex)
            {
                throw Errors.BadMath(nameof(Append));
            }

            for (int j = 0; j < count; j++)
            {
                hashIndex.Value = first + j;
                hashBytes.Value = stored[j].AsSpan().ToArray();
                insertHash.ExecuteNonQuery();
                reader.Add(stored[j]);
            }
        }

        transaction.Commit();
        Volatile.Write(ref _treeSize, start + entries.Length);
    }

    /// <summary>The root of the tree of <paramref name="treeSize"/> entries, read on the write connection. Sequencer only.</summary>
    internal Hash TreeHash(long treeSize)
    {
        CheckSize(nameof(treeSize), treeSize);
        using var reader = new BatchHashReader(_write, null, MerkleTree.StoredHashCount(treeSize));
        return MerkleTree.TreeHash(treeSize, reader);
    }

    /// <summary>Stores a signed checkpoint of <paramref name="treeSize"/> entries, durably. Sequencer only.</summary>
    internal void AddCheckpoint(long treeSize, byte[] note)
    {
        CheckSize(nameof(treeSize), treeSize);
        using SqliteCommand command = _write.CreateCommand();
        command.CommandText = "INSERT INTO checkpoints (tree_size, note) VALUES ($size, $note)";
        command.Parameters.AddWithValue("$size", treeSize);
        command.Parameters.AddWithValue("$note", System.Text.Encoding.UTF8.GetString(note));
        command.ExecuteNonQuery();
    }

    /// <summary>The latest stored checkpoint note, read on the write connection (for startup), or null.</summary>
    internal byte[]? LatestCheckpoint() => LatestCheckpoint(_write);

    private static SqliteLogStore Open(string path)
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

            long treeSize = CheckTree(path, write);
            read = new SqliteConnection(builder.ToString());
            read.Open();
            Execute(read, "PRAGMA query_only = ON");
            return new SqliteLogStore(path, write, read, treeSize);
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

    // Cheap startup checks (O(log n) queries); `timemark log verify` recomputes everything.
    private static long CheckTree(string path, SqliteConnection connection)
    {
        long treeSize = Scalar<long>(connection, "SELECT coalesce(max(idx) + 1, 0) FROM entries");
        long hashCount = Scalar<long>(connection, "SELECT coalesce(max(idx) + 1, 0) FROM hashes");
        if (hashCount != MerkleTree.StoredHashCount(treeSize))
        {
            throw Errors.StoreProblem(path, $"{treeSize} entries need {MerkleTree.StoredHashCount(treeSize)} stored hashes, found {hashCount}");
        }

        using var reader = new BatchHashReader(connection, null, hashCount);
        if (treeSize > 0)
        {
            long last = treeSize - 1;
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "SELECT leaf_hash, entry FROM entries WHERE idx = $idx";
            command.Parameters.AddWithValue("$idx", last);
            using SqliteDataReader row = command.ExecuteReader();
            if (!row.Read())
            {
                throw Errors.StoreMissingRow(path, "entries", last);
            }

            var leaf = new Hash(row.GetFieldValue<byte[]>(0));
            Span<Hash> stored = stackalloc Hash[1];
            reader.ReadHashes([MerkleTree.StoredHashIndex(0, last)], stored);
            if (leaf != MerkleHash.Leaf(row.GetFieldValue<byte[]>(1)) || leaf != stored[0])
            {
                throw Errors.StoreProblem(path, $"entry {last} does not match its leaf hash");
            }
        }

        byte[]? note = LatestCheckpoint(connection);
        if (note is not null)
        {
            if (!SignedNote.TryParse(note, out SignedNote? signed, out ParseError error)
                || !Checkpoint.TryParse(signed.Text, out Checkpoint? checkpoint, out error))
            {
                throw Errors.StoreProblem(path, $"latest checkpoint does not parse ({error})");
            }

            if (checkpoint.TreeSize > treeSize || MerkleTree.TreeHash(checkpoint.TreeSize, reader) != checkpoint.RootHash)
            {
                throw Errors.StoreProblem(path, $"latest checkpoint (size {checkpoint.TreeSize}) does not match the stored tree of {treeSize} entries");
            }
        }

        return treeSize;
    }

    private static byte[]? LatestCheckpoint(SqliteConnection connection)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT note FROM checkpoints ORDER BY tree_size DESC LIMIT 1";
        return command.ExecuteScalar() is string note ? System.Text.Encoding.UTF8.GetBytes(note) : null;
    }

    private async Task<Hash[]> ReadHashesAsync(long[] indexes, CancellationToken cancellationToken)
    {
        var hashes = new Hash[indexes.Length];
        if (indexes.Length == 0)
        {
            return hashes;
        }

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

    private void CheckSize(string paramName, long treeSize)
    {
        if (treeSize < 0 || treeSize > TreeSize)
        {
            throw Errors.OutOfRange(paramName, treeSize, $"tree size must be in 0..{TreeSize} (the durable size)");
        }
    }

    private static T Scalar<T>(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
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
    /// Reads stored hashes for one batch: indexes from <see cref="NextIndex"/>'s starting point on come from
    /// the hashes added so far (not yet committed), older ones from the file. Used by one thread.
    /// </summary>
    private sealed class BatchHashReader : IHashReader, IDisposable
    {
        private readonly long _base;
        private readonly List<Hash> _added = [];
        private readonly SqliteCommand _select;
        private readonly SqliteParameter _index;

        public BatchHashReader(SqliteConnection connection, SqliteTransaction? transaction, long storedCount)
        {
            _base = storedCount;
            _select = connection.CreateCommand();
            _select.Transaction = transaction;
            _select.CommandText = "SELECT hash FROM hashes WHERE idx = $idx";
            _index = _select.Parameters.Add("$idx", SqliteType.Integer);
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

        public void Dispose() => _select.Dispose();
    }
}
