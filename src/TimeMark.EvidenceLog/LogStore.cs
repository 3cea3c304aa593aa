// The evidence log's storage contract, shared by SqliteLogStore (one file) and PostgresLogStore (one schema of a
// PostgreSQL database). Stored hashes use the golang.org/x/mod/sumdb/tlog layout (MerkleTree.StoredHashIndex);
// reads plan their stored-hash indexes with the pure plan/compute pairs (InclusionProof.StoredHashIndexes →
// FromStoredHashes), read them in one batch, and compute here, so both stores answer byte for byte alike.
//
// Contract every store keeps (in the spirit of sunlight's Backend docs):
// - Single writer. Only the log's sequencer (LogAppender) calls the internal write methods, one call at a time.
//   PostgresLogStore also refuses a second sequencer on the same log across processes (PrepareForWritingAsync).
// - Durability. AppendAsync and AddCheckpointAsync return only after their transaction is committed durably:
//   SQLite fsyncs the WAL (synchronous=FULL); PostgreSQL flushes its WAL at commit (synchronous_commit on).
// - Consistency. One batch of entries and every stored hash it creates are one transaction, in index order, so
//   the database always holds a contiguous prefix 0..n-1 of entries and exactly StoredHashCount(n) hashes.
//   A checkpoint is stored only for a size that is already committed; tree_size is a primary key.
// - Reads see the durable prefix 0..TreeSize-1 only. TreeSize advances after each commit made through this
//   object; a store opened while another process appends sees the tree as it was when opened.

using System.Text.RegularExpressions;

namespace TimeMark.EvidenceLog;

/// <summary>
/// The storage of one evidence log: entries, stored Merkle hashes and signed checkpoints. Reads are safe from any
/// thread and see only the durable prefix (entries 0..<see cref="TreeSize"/>-1). Writes are internal: only the
/// log's single sequencer (<see cref="LogAppender"/>) makes them.
/// </summary>
/// <remarks>
/// Open a store with <see cref="OpenDatabaseAsync"/>, which picks <see cref="SqliteLogStore"/> or <see cref="PostgresLogStore"/>
/// from the database string, or with either type's own <c>OpenAsync</c>. Stores cannot be subclassed outside this library.
/// </remarks>
public abstract partial class LogStore : IDisposable, IAsyncDisposable
{
    /// <summary>The schema version this build writes and reads (the same number for both stores).</summary>
    public const int SchemaVersion = 1;

    /// <summary>Marks a database (SQLite <c>application_id</c>, PostgreSQL <c>schema_version.application_id</c>) as a TimeMark evidence log: ASCII "TMLG".</summary>
    private protected const int ApplicationId = 0x544D4C47;

    // The durable tree size. Written only by the sequencer (after a commit) and by opening, with Volatile.Write; read by anyone.
    private long _treeSize;

    private protected LogStore(string name)
    {
        Name = name;
    }

    /// <summary>
    /// Names the database in messages: the full file path for SQLite, <c>postgresql://user@host:port/database</c> plus the
    /// schema for PostgreSQL. Never holds a password.
    /// </summary>
    public string Name { get; }

    /// <summary>The number of durable entries: entries 0..TreeSize-1 are committed, and no other.</summary>
    public long TreeSize => Volatile.Read(ref _treeSize);

    /// <summary>
    /// Opens the log named by <paramref name="database"/>, creating an empty one if there is none, and runs the
    /// open-time consistency checks (sizes, last leaf hash, latest checkpoint's root):
    /// <list type="bullet">
    /// <item>a string starting with <c>postgres://</c> or <c>postgresql://</c> (a libpq URL), or a key=value connection
    /// string with a <c>Host</c> or <c>Server</c> key (Npgsql's format), opens a <see cref="PostgresLogStore"/> in schema
    /// <paramref name="logName"/> (default <see cref="PostgresLogStore.DefaultLogName"/>);</item>
    /// <item>anything else is a file path and opens a <see cref="SqliteLogStore"/>; a SQLite file holds one log, so
    /// <paramref name="logName"/> must be null there.</item>
    /// </list>
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="database"/> is empty, a PostgreSQL URL or connection string is malformed, the log name is invalid, or a log name was given for a SQLite file.</exception>
    /// <exception cref="InvalidDataException">The database cannot be opened, is not a TimeMark evidence log, has a newer schema version, or its stored tree is inconsistent. The message names the database (<see cref="Name"/>) and the problem.</exception>
    public static async Task<LogStore> OpenDatabaseAsync(string database, string? logName = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(database);
        if (IsPostgres(database))
        {
            return await PostgresLogStore.OpenAsync(database, logName ?? PostgresLogStore.DefaultLogName, cancellationToken).ConfigureAwait(false);
        }

        if (logName is not null)
        {
            throw Errors.LogNameForSqlite(nameof(logName));
        }

        return await SqliteLogStore.OpenAsync(database, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether <see cref="OpenDatabaseAsync"/> treats <paramref name="database"/> as PostgreSQL (a URL or a connection string with a host) rather than a SQLite file path.</summary>
    public static bool IsPostgres(string database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return database.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || database.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || HostKey().IsMatch(database);
    }

    /// <summary>Reads entry <paramref name="index"/>'s bytes (the deterministic CBOR of <see cref="LogEntry"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ index &lt; <see cref="TreeSize"/>.</exception>
    public async Task<byte[]> ReadEntryAsync(long index, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        CheckSize(nameof(index), index + 1);
        return await ReadEntryCoreAsync(index, cancellationToken).ConfigureAwait(false) ?? throw Errors.StoreMissingRow(Name, "entries", index);
    }

    /// <summary>The root hash of the tree of the first <paramref name="treeSize"/> entries.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ treeSize ≤ <see cref="TreeSize"/>.</exception>
    public async Task<Hash> ReadTreeHashAsync(long treeSize, CancellationToken cancellationToken = default)
    {
        CheckSize(nameof(treeSize), treeSize);
        return await MerkleTree.TreeHashAsync(treeSize, ReadHashesAsync, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Proves entry <paramref name="leafIndex"/> is in the tree of <paramref name="treeSize"/> entries (RFC 9162 §2.1.3).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ leafIndex &lt; treeSize ≤ <see cref="TreeSize"/>.</exception>
    public async Task<InclusionProof> ProveInclusionAsync(long leafIndex, long treeSize, CancellationToken cancellationToken = default)
    {
        CheckSize(nameof(treeSize), treeSize);
        return await InclusionProof.ProveAsync(leafIndex, treeSize, ReadHashesAsync, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Proves the tree of <paramref name="oldSize"/> entries is a prefix of the tree of <paramref name="newSize"/> (RFC 9162 §2.1.4).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ oldSize ≤ newSize ≤ <see cref="TreeSize"/>.</exception>
    public async Task<ConsistencyProof> ProveConsistencyAsync(long oldSize, long newSize, CancellationToken cancellationToken = default)
    {
        CheckSize(nameof(newSize), newSize);
        return await ConsistencyProof.ProveAsync(oldSize, newSize, ReadHashesAsync, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A C2SP tlog-tiles resource of the durable tree: a hash tile (its hashes concatenated) or an
    /// entry bundle (its entries, each with a big-endian uint16 length). Full tiles never change.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The tile does not fit in the durable tree.</exception>
    public async Task<byte[]> ReadTileAsync(Tile tile, CancellationToken cancellationToken = default)
    {
        if (!tile.FitsIn(TreeSize))
        {
            throw new ArgumentOutOfRangeException(nameof(tile), tile.FormatPath(), $"the tile is beyond the durable tree of {TreeSize} entries");
        }

        if (tile.IsEntryBundle)
        {
            var entries = new ReadOnlyMemory<byte>[tile.Width];
            long first = tile.Index * Tile.FullWidth;
            for (int i = 0; i < tile.Width; i++)
            {
                entries[i] = await ReadEntryAsync(first + i, cancellationToken).ConfigureAwait(false);
            }

            return EntryBundle.Format(entries);
        }

        Hash[] hashes = await ReadHashesAsync(tile.StoredHashIndexes(), cancellationToken).ConfigureAwait(false);
        return Tile.FormatHashes(hashes);
    }

    /// <summary>The latest stored checkpoint as a signed note (<see cref="SignedNote.Format"/> bytes), or null if none was stored yet.</summary>
    public Task<byte[]?> ReadLatestCheckpointAsync(CancellationToken cancellationToken = default) =>
        ReadLatestCheckpointCoreAsync(cancellationToken);

    /// <summary>Closes the database connections.</summary>
    public void Dispose()
    {
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the database connections.</summary>
    public async ValueTask DisposeAsync()
    {
        await DisposeCoreAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Appends entries <c>TreeSize .. TreeSize + entries.Length - 1</c> and their stored hashes in one durable transaction,
    /// then advances <see cref="TreeSize"/>. Sequencer only; never cancelled half-way (a cancelled commit would leave its
    /// outcome unknown).
    /// </summary>
    internal abstract Task AppendAsync(ReadOnlyMemory<PendingEntry> entries);

    /// <summary>Stores a signed checkpoint of <paramref name="treeSize"/> (≤ <see cref="TreeSize"/>) entries, durably. Sequencer only.</summary>
    internal abstract Task AddCheckpointAsync(long treeSize, byte[] note);

    /// <summary>
    /// Called once by <see cref="LogAppender"/> before it writes: claims the log for this one writer and checks that
    /// commits will be durable. SQLite needs nothing here (it serialises writers itself and the store sets synchronous=FULL).
    /// </summary>
    /// <exception cref="InvalidDataException">Another writer holds the log, or the database would not make commits durable.</exception>
    internal virtual Task PrepareForWritingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Entry <paramref name="index"/>'s bytes, or null if the row is missing. Called only for index &lt; TreeSize.</summary>
    private protected abstract Task<byte[]?> ReadEntryCoreAsync(long index, CancellationToken cancellationToken);

    /// <summary>The stored hashes at <paramref name="indexes"/> (any order, possibly repeated, at least one), in that order; throws <see cref="Errors.StoreMissingRow"/> for a missing one.</summary>
    private protected abstract Task<Hash[]> ReadHashesCoreAsync(long[] indexes, CancellationToken cancellationToken);

    private protected abstract Task<byte[]?> ReadLatestCheckpointCoreAsync(CancellationToken cancellationToken);

    private protected abstract void DisposeCore();

    private protected abstract ValueTask DisposeCoreAsync();

    /// <summary>Publishes a new durable size: after opening, and by the sequencer after each commit.</summary>
    private protected void SetTreeSize(long treeSize) => Volatile.Write(ref _treeSize, treeSize);

    /// <summary>
    /// The open-time checks both stores run, with identical messages: the number of stored hashes for the number of
    /// entries, the last entry against its leaf hash and its stored hash, and the latest checkpoint's root against the
    /// stored tree. O(log n) reads; <c>timemark log verify</c> recomputes everything. The reads must all see one snapshot.
    /// Returns the tree size.
    /// </summary>
    private protected static async Task<long> CheckTreeAsync(string name, StoredTreeSummary summary, Func<long[], Task<Hash[]>> readHashes)
    {
        long treeSize = summary.EntryCount;
        if (summary.HashCount != MerkleTree.StoredHashCount(treeSize))
        {
            throw Errors.StoreProblem(name, $"{treeSize} entries need {MerkleTree.StoredHashCount(treeSize)} stored hashes, found {summary.HashCount}");
        }

        if (treeSize > 0)
        {
            long last = treeSize - 1;
            if (summary.LastLeafHash is not { } leafBytes || summary.LastEntry is not { } entry)
            {
                throw Errors.StoreMissingRow(name, "entries", last);
            }

            Hash[] stored = await readHashes([MerkleTree.StoredHashIndex(0, last)]).ConfigureAwait(false);
            var leaf = new Hash(leafBytes);
            if (leaf != MerkleHash.Leaf(entry) || leaf != stored[0])
            {
                throw Errors.StoreProblem(name, $"entry {last} does not match its leaf hash");
            }
        }

        if (summary.LatestCheckpoint is { } note)
        {
            if (!SignedNote.TryParse(note, out SignedNote? signed, out ParseError error)
                || !Checkpoint.TryParse(signed.Text, out Checkpoint? checkpoint, out error))
            {
                throw Errors.StoreProblem(name, $"latest checkpoint does not parse ({error})");
            }

            if (checkpoint.TreeSize > treeSize
                || MerkleTree.TreeHash(checkpoint.TreeSize, await readHashes(MerkleTree.TreeHashIndexes(checkpoint.TreeSize)).ConfigureAwait(false)) != checkpoint.RootHash)
            {
                throw Errors.StoreProblem(name, $"latest checkpoint (size {checkpoint.TreeSize}) does not match the stored tree of {treeSize} entries");
            }
        }

        return treeSize;
    }

    private protected void CheckSize(string paramName, long treeSize)
    {
        if (treeSize < 0 || treeSize > TreeSize)
        {
            throw Errors.OutOfRange(paramName, treeSize, $"tree size must be in 0..{TreeSize} (the durable size)");
        }
    }

    private async Task<Hash[]> ReadHashesAsync(long[] indexes, CancellationToken cancellationToken) =>
        indexes.Length == 0 ? [] : await ReadHashesCoreAsync(indexes, cancellationToken).ConfigureAwait(false);

    // A key=value connection string naming a host: "Host=db;…" or "…;Server=db".
    [GeneratedRegex(@"(^|;)\s*(host|server)\s*=", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HostKey();

    /// <summary>What the open-time checks read, from one snapshot: row counts, the last entry (or nulls) and the latest checkpoint note.</summary>
    private protected readonly record struct StoredTreeSummary(long EntryCount, long HashCount, byte[]? LastLeafHash, byte[]? LastEntry, byte[]? LatestCheckpoint);
}
