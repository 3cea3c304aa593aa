using System.Globalization;
using NSec.Cryptography;

namespace TimeMark.EvidenceLog.Tests;

/// <summary>
/// The child process of <see cref="CrashConsistencyTests"/>: <c>dotnet TimeMark.EvidenceLog.Tests.dll crash-child DATABASE SEEDHEX [LOGNAME]</c>
/// appends <see cref="StoreFixture.Entry"/> entries from several tasks as fast as it can, printing
/// <c>I index leafhash</c> once an append completed and <c>C base64(note)</c> for every checkpoint it saw stored,
/// until it is killed.
/// </summary>
internal static class CrashChild
{
    public const string Verb = "crash-child";

    private const int Workers = 4;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length is not (3 or 4) || args[0] != Verb)
        {
            await Console.Error.WriteLineAsync($"usage: {Verb} DATABASE SEEDHEX [LOGNAME]");
            return 2;
        }

        using Key key = Key.Import(SignatureAlgorithm.Ed25519, Convert.FromHexString(args[2]), KeyBlobFormat.RawPrivateKey);
        var options = new LogAppenderOptions
        {
            Database = args[1],
            LogName = args.Length == 4 ? args[3] : null,
            Origin = LogFixture.Origin,
            CheckpointInterval = TimeSpan.FromMilliseconds(20),
        };
        await using LogAppender appender = await LogAppender.StartAsync(options, new NoteSigner(LogFixture.Origin, key));
        appender.CheckpointSigned += note => Console.Out.WriteLine("C " + Convert.ToBase64String(note.Format()));
        Console.Out.WriteLine("C " + Convert.ToBase64String(appender.LatestCheckpoint.Format()));

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                long index = appender.Reserve();
                LogEntry entry = LogFixture.Entry(index);
                await appender.FillAsync(index, entry);
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"I {index} {MerkleHash.Leaf(entry.Format())}"));
            }
        })));
        return 0;
    }
}
