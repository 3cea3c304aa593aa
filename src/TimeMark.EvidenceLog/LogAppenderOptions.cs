// Options of the evidence log's sequencer (LogAppender). The composition root binds and validates them.

namespace TimeMark.EvidenceLog;

/// <summary>Settings of a <see cref="LogAppender"/>. Checked by <see cref="Validate"/> when the appender starts.</summary>
public sealed class LogAppenderOptions
{
    /// <summary>The default for <see cref="MaxBatchSize"/>: large enough to amortise one fsync, small enough to keep a transaction short.</summary>
    public const int DefaultMaxBatchSize = 1024;

    /// <summary>The default for <see cref="CheckpointInterval"/>: design.md asks for a checkpoint at least once a second while entries arrive.</summary>
    public static readonly TimeSpan DefaultCheckpointInterval = TimeSpan.FromSeconds(1);

    /// <summary>The SQLite file (created if missing).</summary>
    public string Path { get; set; } = string.Empty;

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
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw Errors.InvalidOption(nameof(Path), "must name the SQLite file");
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
