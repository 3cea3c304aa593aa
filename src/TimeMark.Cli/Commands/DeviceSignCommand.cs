using System.CommandLine;
using System.Formats.Cbor;
using System.Text.Json;
using TimeMark.Cli.Json;
using TimeMark.Protocol.Datagrams;
using TimeMark.Protocol.Keys;

namespace TimeMark.Cli.Commands;

/// <summary>
/// <c>timemark device sign</c> (Program puts it under <c>device</c>): builds and signs a datagram as a BRAID device
/// does (design.md, "The BRAID datagram"), for demos and tests.
/// </summary>
internal static class DeviceSignCommand
{
    /// <summary>BRAID ACTION values: 1..7 (OPTIONS..TRACE).</summary>
    private const ulong FirstAction = 1, LastAction = 7;

    public static Command Create()
    {
        var key = new Option<string>("--key")
        {
            Description = "The device's private key (PKCS#8 or SEC1 PEM, ECDSA P-256 or Ed25519).",
            HelpName = "KEY.pem",
            Required = true,
        };
        var body = new Option<string>("--body")
        {
            Description = "A JSON object, converted to the CBOR map BODY (integers stay integers, other numbers become float64).",
            HelpName = "BODY.json",
            Required = true,
        };
        var ts = new Option<ulong?>("--ts")
        {
            Description = "TS, the device clock; defaults to now in Unix seconds, as the BRAID firmware sends it.",
            HelpName = "N",
        };
        var ver = new Option<ulong>("--ver")
        {
            Description = "VER, the sequence number.",
            HelpName = "N",
            DefaultValueFactory = _ => 1,
        };
        var action = new Option<ulong>("--action")
        {
            Description = "ACTION, 1..7 (OPTIONS..TRACE).",
            HelpName = "N",
            DefaultValueFactory = _ => FirstAction,
        };
        action.Validators.Add(result =>
        {
            ulong value = result.GetValueOrDefault<ulong>();
            if (value is < FirstAction or > LastAction)
                result.AddError(Errors.ActionOutOfRange(value));
        });
        var status = new Option<ulong>("--status")
        {
            Description = "STATUS; 0 is a request.",
            HelpName = "N",
            DefaultValueFactory = _ => 0,
        };
        var indefinite = new Option<bool>("--indefinite")
        {
            Description = "Write an indefinite-length map (0xBF … 0xFF), as the BRAID firmware does; the default is definite length.",
        };
        var output = new Option<string>("--out")
        {
            Description = "Where to write the datagram; an existing file is replaced.",
            HelpName = "FILE.cbor",
            Required = true,
        };

        var command = new Command("sign",
            "Build a datagram (TS, VER, PROT 1, ACTION, STATUS, BODY) and sign it with SIGN over 0xBF, the pairs before SIGN, 0xFF.")
        {
            key, body, ts, ver, action, status, indefinite, output,
        };
        command.SetAction(parseResult => ActionRunner.Run(parseResult, writer =>
        {
            string bodyPath = parseResult.GetValue(body)!;
            byte[] bodyCbor = ReadBody(bodyPath);
            using SigningKey deviceKey = InputFiles.ReadSigningKey(parseResult.GetValue(key)!);
            var content = new DatagramContent
            {
                Ts = parseResult.GetValue(ts) ?? (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                Ver = parseResult.GetValue(ver),
                Action = parseResult.GetValue(action),
                Status = parseResult.GetValue(status),
                Body = bodyCbor,
            };
            bool indefiniteLength = parseResult.GetValue(indefinite);
            byte[] datagram = DatagramWriter.Write(content, deviceKey, indefiniteLength);

            // The writer does not bound size or depth; read the result back so that a BODY
            // the broker would reject (too large, nested too deep) is refused here, not there.
            if (!DatagramReader.TryRead(datagram, out _, out DatagramError error))
                throw new InputException(Errors.BodyNotDatagram(bodyPath, error));

            string outPath = parseResult.GetValue(output)!;
            InputFiles.WriteAllBytes(outPath, datagram);
            writer.WriteLine($"wrote {outPath}: {datagram.Length} bytes, {(indefiniteLength ? "indefinite" : "definite")}-length map, " +
                $"TS {content.Ts}, VER {content.Ver}, ACTION {content.Action}, STATUS {content.Status}");
            writer.WriteLine($"signed by {KeygenCommand.AlgorithmName(deviceKey.Algorithm)} key {deviceKey.PublicKey.Id}");
            return ExitCodes.Ok;
        }));

        return command;
    }

    private static byte[] ReadBody(string path)
    {
        byte[] json = InputFiles.ReadAllBytes(path);
        byte[] cbor;
        try
        {
            cbor = JsonToCbor.Convert(json);
        }
        catch (JsonException e)
        {
            throw new InputException(Errors.NotJson(path, e.Message), e);
        }
        if (new CborReader(cbor).PeekState() != CborReaderState.StartMap)
            throw new InputException(Errors.BodyNotObject(path));
        return cbor;
    }
}
