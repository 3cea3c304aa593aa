// A read-only view of a SQLite evidence log (the file SqliteLogStore writes; schema in docs/evidence-log.md), for
// auditors: `timemark log verify` recomputes every hash from the stored entries, and `log prove` / `log consistency`
// print proofs. Unlike SqliteLogStore.OpenAsync it never creates or writes the file (no journal-mode switch, SQLite
// opened read-only) and runs none of the open-time tree checks, so an audit sees and reports every inconsistency itself.
//
// Snapshot: one connection in one read transaction for the object's life (SQLite WAL readers keep the snapshot of
// their first read, https://sqlite.org/wal.html §"Concurrency"), so entries appended by a running broker after opening
// are not seen, and every read agrees with EntryCount.

using Microsoft.Data.Sqlite;

namespace TimeMark.EvidenceLog;

/// <summary>
/// A consistent, read-only snapshot of a SQLite evidence log: entries, stored hashes and checkpoints exactly as stored,
/// nothing recomputed or trusted. Reads are safe from any thread (one at a time).
/// </summary>
public sealed class SqliteLogSnapshot : IDisposable
{
    // PRAGMA application_id of a TimeMark evidence log: ASCII "TMLG" (the value SqliteLogStore writes).
    private const int ApplicationId = 0x544D4C47;

    // The one connection, inside a read transaction; guarded by _lock.
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _lock = new(1, 1);

    private SqliteLogSnapshot(string path, SqliteConnection connection, long entryCount)
    {
        Path = path;
        _connection = connection;
        EntryCount = entryCount;
    }

    /// <summary>The database file (full path).</summary>
    public string Path { get; }

    /// <summary>The number of entries the snapshot holds: the highest stored entry index + 1 (rows may still be missing below it).</summary>
    public long EntryCount { get; }

    /// <summary>Opens the existing log file at <paramref name="path"/> read-only and takes the snapshot.</summary>
    /// <exception cref="InvalidDataException">
    /// The file does not exist, is not a SQLite database, is corrupt, is another application's database or has a schema
    /// version this build does not know. The message names the file and the problem.
    /// </exception>
    public static Task<SqliteLogSnapshot> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        cancellationToken.ThrowIfCancellationRequested();
        // Microsoft.Data.Sqlite's async methods complete synchronously; the API is async for other stores' sake.
        return Task.FromResult(Open(System.IO.Path.GetFullPath(path)));
    }

    /// <summary>
    /// Reads up to <paramref name="maxCount"/> consecutive entries from <paramref name="start"/>, with the leaf hashes stored
    /// beside them. Stops early at the end of the table or at the first missing row: fewer entries than asked for while
    /// <c>start + count &lt; EntryCount</c> means entry <c>start + count</c> is missing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> is negative or <paramref name="maxCount"/> is not positive.</exception>
    /// <exception cref="InvalidDataException">The file cannot be read, or a stored leaf hash is not 32 bytes.</exception>
    public async Task<IReadOnlyList<StoredEntry>> ReadEntriesAsync(long start, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        var entries = new List<StoredEntry>(Math.Min(maxCount, 4096));
        await ReadAsync(
            "SELECT idx, leaf_hash, entry FROM entries WHERE idx >= $start AND idx < $end ORDER BY idx",
            start,
            checked(start + maxCount),
            row =>
            {
                if (row.GetInt64(0) != start + entries.Count)
                {
                    return false;
                }

                entries.Add(new StoredEntry(start + entries.Count, HashColumn(row, "entries"), row.GetFieldValue<byte[]>(2)));
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        return entries;
    }

    /// <summary>
    /// Reads consecutive stored hashes (at <see cref="MerkleTree.StoredHashIndex"/> storage indexes) from <paramref name="start"/>
    /// into <paramref name="destination"/>. Returns how many were read: fewer than the destination holds at the end of the table
    /// or at the first missing row. Reads rows beyond <c>StoredHashCount(EntryCount)</c> too, so an audit can find extra rows.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="start"/> is negative.</exception>
    /// <exception cref="InvalidDataException">The file cannot be read, or a stored hash is not 32 bytes.</exception>
    public async Task<int> ReadStoredHashesAsync(long start, Memory<Hash> destination, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        int count = 0;
        await ReadAsync(
            "SELECT idx, hash FROM hashes WHERE idx >= $start AND idx < $end ORDER BY idx",
            start,
            checked(start + destination.Length),
            row =>
            {
                if (row.GetInt64(0) != start + count)
                {
                    return false;
                }

                destination.Span[count++] = HashColumn(row, "hashes");
                return true;
            },
            cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>The tree sizes of every stored checkpoint, in increasing order (the table's keys, not parsed from the notes).</summary>
    /// <exception cref="InvalidDataException">The file cannot be read.</exception>
    public async Task<long[]> ReadCheckpointSizesAsync(CancellationToken cancellationToken = default)
    {
        var sizes = new List<long>();
        // ReadAsync binds a range; the whole key range is every checkpoint.
        await ReadAsync("SELECT tree_size FROM checkpoints WHERE tree_size >= $start AND tree_size < $end ORDER BY tree_size", long.MinValue, long.MaxValue, row =>
        {
            sizes.Add(row.GetInt64(0));
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return [.. sizes];
    }

    /// <summary>The checkpoint stored under <paramref name="treeSize"/>, as signed-note bytes, or null if there is none.</summary>
    /// <exception cref="InvalidDataException">The file cannot be read.</exception>
    public async Task<byte[]?> ReadCheckpointAsync(long treeSize, CancellationToken cancellationToken = default)
    {
        string? note = null;
        await ReadAsync("SELECT note FROM checkpoints WHERE tree_size >= $start AND tree_size < $end", treeSize, treeSize + 1, row =>
        {
            note = row.GetString(0);
            return false;
        }, cancellationToken).ConfigureAwait(false);
        return note is null ? null : System.Text.Encoding.UTF8.GetBytes(note);
    }

    /// <summary>The stored bytes of entry <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ index &lt; <see cref="EntryCount"/>.</exception>
    /// <exception cref="InvalidDataException">The file cannot be read, or the row is missing.</exception>
    public async Task<byte[]> ReadEntryAsync(long index, CancellationToken cancellationToken = default)
    {
        CheckSize(nameof(index), index + 1);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        IReadOnlyList<StoredEntry> entries = await ReadEntriesAsync(index, 1, cancellationToken).ConfigureAwait(false);
        return entries.Count == 1 ? entries[0].Bytes : throw Errors.StoreMissingRow(Path, "entries", index);
    }

    /// <summary>The root hash of the first <paramref name="treeSize"/> entries, from the stored hashes (RFC 6962 §2.1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ treeSize ≤ <see cref="EntryCount"/>.</exception>
    /// <exception cref="InvalidDataException">The file cannot be read, or a stored hash is missing.</exception>
    public async Task<Hash> ReadTreeHashAsync(long treeSize, CancellationToken cancellationToken = default)
    {
        CheckSize(nameof(treeSize), treeSize);
        return await MerkleTree.TreeHashAsync(treeSize, ReadHashesAsync, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Proves entry <paramref name="leafIndex"/> is in the tree of <paramref name="treeSize"/> entries (RFC 9162 §2.1.3), from the stored hashes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ leafIndex &lt; treeSize ≤ <see cref="EntryCount"/>.</exception>
    /// <exception cref="InvalidDataException">The file cannot be read, or a stored hash is missing.</exception>
    public async Task<InclusionProof> ProveInclusionAsync(long leafIndex, long treeSize, CancellationToken cancellationToken = default)
    {
        CheckSize(nameof(treeSize), treeSize);
        return await InclusionProof.ProveAsync(leafIndex, treeSize, ReadHashesAsync, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Proves the tree of <paramref name="oldSize"/> entries is a prefix of the tree of <paramref name="newSize"/> (RFC 9162 §2.1.4), from the stored hashes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ oldSize ≤ newSize ≤ <see cref="EntryCount"/>.</exception>
    /// <exception cref="InvalidDataException">The file cannot be read, or a stored hash is missing.</exception>
    public async Task<ConsistencyProof> ProveConsistencyAsync(long oldSize, long newSize, CancellationToken cancellationToken = default)
    {
        CheckSize(nameof(newSize), newSize);
        return await ConsistencyProof.ProveAsync(oldSize, newSize, ReadHashesAsync, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends the snapshot and closes the file.</summary>
    public void Dispose()
    {
        _connection.Dispose();
        _lock.Dispose();
    }

    private static SqliteLogSnapshot Open(string path)
    {
        // Checked first: a read-only open of a missing file fails with SQLite's generic "unable to open" error.
        if (!File.Exists(path))
        {
            throw Errors.StoreProblem(path, "no such file");
        }

        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            long applicationId = Scalar(connection, "PRAGMA application_id");
            if (applicationId != ApplicationId)
            {
                throw Errors.StoreProblem(path, $"not a TimeMark evidence log (SQLite application_id {applicationId:x8}, expected {ApplicationId:x8})");
            }

            // A deferred BEGIN: the snapshot is taken by the next read and kept until the connection closes.
            // Issued as SQL, not BeginTransaction, so the commands below need no transaction object.
            Scalar(connection, "BEGIN; SELECT 0");
            long version = Scalar(connection, "SELECT max(version) FROM schema_version");
            if (version != SqliteLogStore.SchemaVersion)
            {
                throw Errors.StoreProblem(path, version > SqliteLogStore.SchemaVersion
                    ? $"schema version {version} is newer than this build supports ({SqliteLogStore.SchemaVersion}); use a newer TimeMark"
                    : $"unknown schema version {version} (this build supports {SqliteLogStore.SchemaVersion})");
            }

            long entryCount = Scalar(connection, "SELECT coalesce(max(idx) + 1, 0) FROM entries");
            return new SqliteLogSnapshot(path, connection, entryCount);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw Errors.StoreUnreadable(path, e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() is long value ? value : throw Errors.StoreProblem(connection.DataSource, $"'{sql}' did not return an integer");
    }

    // Runs a range query with $start and $end bound, handing rows to `row` until it returns false.
    private async Task ReadAsync(string sql, long start, long end, Func<SqliteDataReader, bool> row, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$start", start);
            command.Parameters.AddWithValue("$end", end);
            using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && row(reader))
            {
            }
        }
        catch (SqliteException e)
        {
            throw Errors.StoreUnreadable(Path, e);
        }
        finally
        {
            _lock.Release();
        }
    }

    // One query for all of a proof's hashes (at most a few dozen): a statement per hash costs more than the reads.
    private async Task<Hash[]> ReadHashesAsync(long[] indexes, CancellationToken cancellationToken)
    {
        var hashes = new Hash[indexes.Length];
        if (indexes.Length == 0)
        {
            return hashes;
        }

        var found = new Dictionary<long, Hash>(indexes.Length);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using SqliteCommand command = _connection.CreateCommand();
            var parameters = new string[indexes.Length];
            for (int i = 0; i < indexes.Length; i++)
            {
                parameters[i] = "$i" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                command.Parameters.AddWithValue(parameters[i], indexes[i]);
            }

            command.CommandText = $"SELECT idx, hash FROM hashes WHERE idx IN ({string.Join(',', parameters)})";
            using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found[reader.GetInt64(0)] = HashColumn(reader, "hashes");
            }
        }
        catch (SqliteException e)
        {
            throw Errors.StoreUnreadable(Path, e);
        }
        finally
        {
            _lock.Release();
        }

        for (int i = 0; i < indexes.Length; i++)
        {
            hashes[i] = found.TryGetValue(indexes[i], out Hash hash) ? hash : throw Errors.StoreMissingRow(Path, "hashes", indexes[i]);
        }

        return hashes;
    }

    private Hash HashColumn(SqliteDataReader row, string table)
    {
        byte[] bytes = row.GetFieldValue<byte[]>(1);
        return bytes.Length == Hash.Size
            ? new Hash(bytes)
            : throw Errors.StoreProblem(Path, $"table {table} row {row.GetInt64(0)} holds a hash of {bytes.Length} bytes, not {Hash.Size}");
    }

    private void CheckSize(string paramName, long treeSize)
    {
        if (treeSize < 0 || treeSize > EntryCount)
        {
            throw Errors.OutOfRange(paramName, treeSize, $"tree size must be in 0..{EntryCount} (the snapshot's entries)");
        }
    }
}
