using System.CommandLine;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Cli.Commands;

/// <summary>
/// <c>timemark mark</c>: marks a datagram offline as the broker does
/// (<see cref="DatagramMarker"/>), for demos and tests. Like the broker's
/// marking step it checks only that the bytes are an unmarked datagram, not
/// the device signature: that is <c>verify</c>'s job.
/// </summary>
internal static class MarkCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE.cbor") { Description = "The device's datagram." };
        var brokerKey = new Option<string>("--broker-key")
        {
            Description = "The broker's Ed25519 private key (PKCS#8 PEM) that signs VERIFICATION_TOKEN.",
            HelpName = "KEY.pem",
            Required = true,
        };
        var logIndex = new Option<ulong>("--log-index")
        {
            Description = "LOG_INDEX, the entry's index in the evidence log.",
            HelpName = "N",
            Required = true,
        };
        var ingestionTime = new Option<ulong?>("--ingestion-time")
        {
            Description = "INGESTION_TIME in Unix milliseconds; defaults to now.",
            HelpName = "MS",
        };
        var output = new Option<string>("--out")
        {
            Description = "Where to write the marked record; an existing file is replaced.",
            HelpName = "FILE.cbor",
            Required = true,
        };
        var command = new Command("mark",
            "Append INGESTION_TIME, LOG_INDEX and VERIFICATION_TOKEN to a datagram, leaving the device's bytes untouched. " +
            "Exit 1 when the file is not a datagram or is already marked, 2 when an input cannot be read.")
        {
            file, brokerKey, logIndex, ingestionTime, output,
        };
        command.SetAction(parseResult => ActionRunner.Run(parseResult, writer =>
        {
            string path = parseResult.GetValue(file)!;
            byte[] bytes = InputFiles.ReadAllBytes(path);
            string keyPath = parseResult.GetValue(brokerKey)!;
            using SigningKey key = InputFiles.ReadSigningKey(keyPath);
            if (key.Algorithm != KeyAlgorithm.Ed25519)
                throw new InputException(Errors.BrokerKeyNotEd25519(keyPath));

            if (!DatagramReader.TryRead(bytes, out Datagram datagram, out DatagramError error))
                return Refuse(parseResult, Errors.NotADatagram(path, error));
            if (datagram.HasBrokerFields)
                return Refuse(parseResult, Errors.AlreadyMarked(path));

            ulong time = parseResult.GetValue(ingestionTime) ?? (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            ulong index = parseResult.GetValue(logIndex);
            byte[] marked = DatagramMarker.Mark(datagram, time, index, key);
            string outPath = parseResult.GetValue(output)!;
            InputFiles.WriteAllBytes(outPath, marked);
            writer.WriteLine($"wrote {outPath}: {marked.Length} bytes, INGESTION_TIME {time}, LOG_INDEX {index}");
            writer.WriteLine($"VERIFICATION_TOKEN by Ed25519 key {key.PublicKey.Id}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>A refusal is the broker's decision about a readable input, so it is a failed check (1), not an input error (2).</summary>
    private static int Refuse(ParseResult parseResult, string reason)
    {
        parseResult.InvocationConfiguration.Error.WriteLine(Errors.Line(reason));
        return ExitCodes.CheckFailed;
    }
}
