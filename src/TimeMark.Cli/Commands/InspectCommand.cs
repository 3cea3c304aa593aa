using System.CommandLine;
using System.Globalization;
using TimeMark.Cli.Cbor;
using TimeMark.Protocol.Datagrams;

namespace TimeMark.Cli.Commands;

/// <summary>
/// <c>timemark inspect</c>: shows any CBOR file in diagnostic notation and,
/// when it reads as a BRAID datagram, its fields and signed byte ranges.
/// </summary>
internal static class InspectCommand
{
    private const int NameWidth = 20;

    public static Command Create()
    {
        var file = new Argument<string>("FILE.cbor") { Description = "The CBOR file to show." };
        var command = new Command("inspect",
            "Show a CBOR file in diagnostic notation (RFC 8949 §8) and, if it is a BRAID datagram, its fields, " +
            "map style, the byte ranges each signature covers and the clock skew. Exit 0 when the file is CBOR " +
            "(whether or not it is a datagram; the reason is shown if not), 2 when it is not CBOR or cannot be read.")
        {
            file,
        };
        command.SetAction(parseResult => ActionRunner.Run(parseResult, output => Run(parseResult.GetValue(file)!, output)));
        return command;
    }

    private static int Run(string path, TextWriter output)
    {
        byte[] bytes = InputFiles.ReadAllBytes(path);
        if (!CborDiagnostic.TryFormat(bytes, out string? diagnostic, out string? error))
            throw new InputException(Errors.NotCbor(path, error));

        output.WriteLine($"{path}: {bytes.Length} bytes");
        output.WriteLine(diagnostic);
        output.WriteLine();
        if (!DatagramReader.TryRead(bytes, out Datagram datagram, out DatagramError datagramError))
        {
            output.WriteLine($"not a BRAID datagram: {datagramError}");
            return ExitCodes.Ok;
        }

        output.WriteLine($"BRAID datagram: {(datagram.IsIndefiniteLength ? "indefinite" : "definite")}-length map, " +
            $"{datagram.PairCount} pairs in bytes [{datagram.PairsStart}, {datagram.PairsEnd})");
        WriteField(output, "TS", datagram.Ts, FormatTs);
        WriteField(output, "VER", datagram.Ver);
        WriteField(output, "PROT", datagram.Prot);
        WriteField(output, "ACTION", datagram.Action);
        WriteField(output, "STATUS", datagram.Status);
        WriteField(output, "BODY", datagram.HasBody ? FormatBody(datagram.Body) : null);
        WriteField(output, "SIGN", Hex(datagram.Sign));
        WriteField(output, "INGESTION_TIME", datagram.IngestionTime, FormatUnixMilliseconds);
        WriteField(output, "LOG_INDEX", datagram.LogIndex);
        WriteField(output, "VERIFICATION_TOKEN", datagram.VerificationTokenOffset < 0 ? null : Hex(datagram.VerificationToken));

        output.WriteLine("signed regions (each signature is over 0xBF, bytes [start, end) of this file, 0xFF):");
        output.WriteLine($"  {"SIGN",-NameWidth}bytes [{datagram.PairsStart}, {datagram.SignOffset})");
        if (datagram.VerificationTokenOffset >= 0)
            output.WriteLine($"  {"VERIFICATION_TOKEN",-NameWidth}bytes [{datagram.PairsStart}, {datagram.VerificationTokenOffset})");

        if (datagram.Ts is ulong ts && datagram.IngestionTime is ulong ingestionTime)
            output.WriteLine($"clock skew (INGESTION_TIME - TS): {ClockSkew.Measure(ts, ingestionTime)}");
        return ExitCodes.Ok;
    }

    private static void WriteField(TextWriter output, string name, ulong? value, Func<ulong, string>? describe = null) =>
        WriteField(output, name, value is ulong number
            ? number.ToString(CultureInfo.InvariantCulture) + (describe is null ? "" : $" ({describe(number)})")
            : null);

    private static void WriteField(TextWriter output, string name, string? value) =>
        output.WriteLine($"  {name,-NameWidth}{value ?? "(absent)"}");

    /// <summary>design.md: TS is Unix seconds from the firmware, milliseconds from backend scripts; magnitude tells.</summary>
    private static string FormatTs(ulong ts) => ts > ClockSkew.MillisecondThreshold
        ? $"read as Unix milliseconds: {FormatUnixMilliseconds(ts)}"
        : $"read as Unix seconds: {FormatUnixMilliseconds(ts * 1000)}";

    private static string FormatUnixMilliseconds(ulong milliseconds) =>
        milliseconds <= (ulong)DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)milliseconds).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
            : "after the year 9999";

    private static string FormatBody(ReadOnlyMemory<byte> body) =>
        CborDiagnostic.TryFormat(body, out string? diagnostic, out _)
            ? $"{diagnostic} ({body.Length} bytes)"
            : throw new System.Diagnostics.UnreachableException("bad BODY slice in InspectCommand: the datagram reader accepted it");

    private static string Hex(ReadOnlyMemory<byte> bytes) => $"h'{Convert.ToHexStringLower(bytes.Span)}'";
}
