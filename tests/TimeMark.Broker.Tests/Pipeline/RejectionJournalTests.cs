using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using TimeMark.Broker.Pipeline;

namespace TimeMark.Broker.Tests.Pipeline;

/// <summary>Rejection records on disk: read back after a restart, a line cut short by a crash costs only that line, the size is capped.</summary>
public sealed class RejectionJournalTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("timemark-rejections-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Rejection Numbered(int n) => new(
        new DateTimeOffset(2026, 12, 4, 18, 0, 0, TimeSpan.Zero).AddTicks(n * 1_234_567L), $"agent-{n}", $"braid/agent/agent-{n}/data",
        200 + n, RejectReason.BadSignature, $"SIGN does not verify (record {n}, \"quoted\", é)");

    private RejectionJournal Open(out IReadOnlyList<Rejection> saved, int keep = 1000, long maxFileBytes = RejectionJournal.DefaultMaxFileBytes) =>
        RejectionJournal.Open(_directory, keep, NullLogger<RejectionJournal>.Instance, out saved, maxFileBytes);

    private async Task AppendAsync(IEnumerable<int> numbers, long maxFileBytes = RejectionJournal.DefaultMaxFileBytes)
    {
        await using RejectionJournal journal = Open(out _, maxFileBytes: maxFileBytes);
        foreach (int n in numbers)
            journal.Append(Numbered(n));
    }

    [Fact]
    public async Task Reopen_ReadsEveryRecordBackExactlyInOrder()
    {
        await AppendAsync(Enumerable.Range(1, 5));

        await using RejectionJournal reopened = Open(out IReadOnlyList<Rejection> saved);

        Assert.Equal(Enumerable.Range(1, 5).Select(Numbered), saved);
        Assert.Equal(0, reopened.Unsaved);
    }

    [Fact]
    public async Task Reopen_KeepsOnlyTheNewest()
    {
        await AppendAsync(Enumerable.Range(1, 5));

        await using RejectionJournal reopened = Open(out IReadOnlyList<Rejection> saved, keep: 2);

        Assert.Equal([Numbered(4), Numbered(5)], saved);
    }

    [Fact]
    public async Task LineCutShortByACrash_IsSkippedAndLaterRecordsStillRead()
    {
        await AppendAsync([1, 2]);
        string path = Path.Combine(_directory, RejectionJournal.FileName);
        string line = File.ReadLines(path).First();
        await File.AppendAllTextAsync(path, line[..(line.Length / 2)], Encoding.UTF8); // The crash: half a line, no newline.

        await using (RejectionJournal journal = Open(out IReadOnlyList<Rejection> afterCrash))
        {
            Assert.Equal([Numbered(1), Numbered(2)], afterCrash);
            journal.Append(Numbered(3));
        }
        await using RejectionJournal reopened = Open(out IReadOnlyList<Rejection> saved);

        Assert.Equal([Numbered(1), Numbered(2), Numbered(3)], saved);
    }

    [Fact]
    public async Task PastTheSizeLimit_TheFileIsSetAsideAndTheOneBeforeDropped()
    {
        const long limit = 2000; // About eight records.
        await AppendAsync(Enumerable.Range(1, 20), limit);
        await AppendAsync(Enumerable.Range(21, 20), limit);

        await using RejectionJournal reopened = Open(out IReadOnlyList<Rejection> saved);

        Assert.True(File.Exists(Path.Combine(_directory, RejectionJournal.PreviousFileName)));
        Assert.Equal(Numbered(40), saved[^1]);
        Assert.DoesNotContain(Numbered(1), saved); // It went with the first file set aside, replaced by a later one.
        Assert.Equal(Enumerable.Range(41 - saved.Count, saved.Count).Select(Numbered), saved);
    }

    [Fact]
    public void Open_WhereTheDataDirectoryIsAFile_FailsNamingTheJournal()
    {
        string notADirectory = Path.Combine(_directory, "plain-file");
        File.WriteAllText(notADirectory, "");

        var error = Assert.ThrowsAny<IOException>(() =>
            RejectionJournal.Open(notADirectory, 10, NullLogger<RejectionJournal>.Instance, out _));

        Assert.Contains($"rejection journal {Path.Combine(notADirectory, RejectionJournal.FileName)}", error.Message);
    }

    [Fact]
    public void JsonForm_RoundTrips_AndAnythingElseIsRefused()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
            Numbered(7).WriteTo(json);

        Assert.True(Rejection.TryParse(buffer.WrittenSpan, out Rejection? parsed));
        Assert.Equal(Numbered(7), parsed);
        foreach (string bad in new[]
        {
            "", "{", "[]", "null",
            """{"at":"2026-12-04T18:00:00+00:00","publisher":"a","topic":"t","payload_length":1,"reason":"NoSuchReason","detail":"d"}""",
            """{"at":"2026-12-04T18:00:00+00:00","publisher":"a","topic":"t","payload_length":1,"reason":"5","detail":"d"}""",
            """{"at":"yesterday","publisher":"a","topic":"t","payload_length":1,"reason":"Replay","detail":"d"}""",
            """{"at":"2026-12-04T18:00:00+00:00","publisher":"a","topic":"t","payload_length":1,"reason":"Replay"}""",
        })
        {
            Assert.False(Rejection.TryParse(Encoding.UTF8.GetBytes(bad), out _), bad);
        }
    }
}
