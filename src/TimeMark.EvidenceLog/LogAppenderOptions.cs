// Options of the evidence log's sequencer (LogAppender). The composition root binds and validates them.

namespace TimeMark.EvidenceLog;

/// <summary>Settings of a <see cref="LogAppender"/>. Checked by <see cref="Validate"/> when the appender starts.</summary>
public sealed class LogAppenderOptions
{
    /// <summary>The default for <see cref="MaxBatchSize"/>: large enough to amortise one fsync, small enough to keep a transaction short.</summary>
    public const int DefaultMaxBatchSize = 1024;

    /// <summary>The default for <see cref="CheckpointInterval"/>: design.md asks for a checkpoint at least once a second while entries arrive.</summary>
    public static readonly TimeSpan DefaultCheckpointInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The log's database, as <see cref="LogStore.OpenDatabaseAsync"/> reads it: a SQLite file path (created if missing), or a
    /// PostgreSQL URL (<c>postgresql://user:password@host:5432/database</c>) or Npgsql connection string (<c>Host=…;Database=…</c>).
    /// </summary>
    public string Database { get; set; } = string.Empty;

    /// <summary>The SQLite file: the same setting as <see cref="Database"/>, under its name from before PostgreSQL support.</summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public string Path
    {
        get => Database;
        set => Database = value;
    }

    /// <summary>
    /// PostgreSQL only: the log's name, which is the PostgreSQL schema holding its tables, so several brokers can share one
    /// database with one log each (default <see cref="PostgresLogStore.DefaultLogName"/>). Must be null for a SQLite file, which holds one log.
    /// </summary>
    public string? LogName { get; set; }

    /// <summary>The checkpoint origin line, e.g. <c>timemark.example/broker-1</c>; by convention also the signing key's name.</summary>
    public string Origin { get; set; } = string.Empty;

    /// <summary>The most entries committed in one transaction.</summary>
    public int MaxBatchSize { get; set; } = DefaultMaxBatchSize;

    /// <summary>How often a checkpoint is signed while the tree grows; no more than one per interval.</summary>
    public TimeSpan CheckpointInterval { get; set; } = DefaultCheckpointInterval;

    /// <summary>The clock for checkpoint ticks and void entries' INGESTION_TIME.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Throws if a setting is invalid; the message names the setting.</summary>
    /// <exception cref="ArgumentException">A setting is missing or out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Database))
        {
            throw Errors.InvalidOption(nameof(Database), "must name a SQLite file or a PostgreSQL connection string");
        }

        if (LogName is not null && !LogStore.IsPostgres(Database))
        {
            throw Errors.InvalidOption(nameof(LogName), "is for PostgreSQL only (a SQLite file holds one log)");
        }

        if (LogName is not null && !PostgresLogStore.IsValidLogName(LogName))
        {
            throw Errors.InvalidOption(nameof(LogName), PostgresLogStore.LogNameRule);
        }

        if (!NoteText.IsValidLine(Origin))
        {
            throw Errors.InvalidOption(nameof(Origin), "must be a non-empty single line without control characters");
        }

        if (MaxBatchSize < 1)
        {
            throw Errors.InvalidOption(nameof(MaxBatchSize), "must be at least 1");
        }

        if (CheckpointInterval <= TimeSpan.Zero)
        {
            throw Errors.InvalidOption(nameof(CheckpointInterval), "must be positive");
        }

        if (TimeProvider is null)
        {
            throw Errors.InvalidOption(nameof(TimeProvider), "must be set");
        }
    }
}
