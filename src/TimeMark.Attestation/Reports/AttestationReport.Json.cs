// The report's JSON encoding: snake_case members, hex and base64 byte fields (docs/attestation.md, "The report").

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using TimeMark.Attestation.Tpm;

namespace TimeMark.Attestation.Reports;

public sealed partial record AttestationReport
{
    /// <summary>Reports larger than this are refused: an IMA log of a busy host runs to a few megabytes.</summary>
    public const int MaxSize = 64 << 20;

    /// <summary>The report as UTF-8 JSON, members in the documented order.</summary>
    public byte[] Format()
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps '+' in base64 and the PEM readable; the output is JSON, never embedded in HTML.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("format", FormatName);
            json.WriteBoolean("attested", Attested);
            json.WriteString("nonce", Convert.ToHexStringLower(Nonce));
            json.WriteString("time", Time);
            json.WriteStartObject("build");
            json.WriteString("binary_hash", Build.BinaryHash);
            json.WriteString("source_commit", Build.SourceCommit);
            json.WriteString("build_date", Build.BuildDate);
            json.WriteBoolean("verified", Build.Verified);
            json.WriteString("status", Build.Status);
            json.WriteEndObject();
            json.WriteString("config", Config);
            json.WriteString("config_hash", ConfigHash);
            json.WriteString("timemark_key_pem", TimeMarkKeyPem);
            json.WriteString("timemark_key_id", TimeMarkKeyId);
            json.WriteNumber("pcr", Pcr);
            json.WriteString("event_log", EventLog);
            json.WriteString("ima_log", ImaLog);
            if (Tpm is null)
            {
                json.WriteNull("tpm");
            }
            else
            {
                json.WriteStartObject("tpm");
                json.WriteBase64String("quote", Tpm.Quote);
                json.WriteBase64String("signature", Tpm.Signature);
                json.WriteStartObject("pcrs");
                foreach ((int pcr, byte[] value) in Tpm.Pcrs.OrderBy(p => p.Key))
                    json.WriteString(pcr.ToString(CultureInfo.InvariantCulture), Convert.ToHexStringLower(value));
                json.WriteEndObject();
                json.WriteBase64String("ak_public", Tpm.AkPublic);
                json.WriteString("ak_name", Convert.ToHexStringLower(Tpm.AkName));
                json.WriteBase64String("ek_public", Tpm.EkPublic);
                if (Tpm.EkCertificate is null)
                    json.WriteNull("ek_certificate");
                else
                    json.WriteBase64String("ek_certificate", Tpm.EkCertificate);
                json.WriteStartObject("clock");
                json.WriteNumber("clock_ms", Tpm.Clock.ClockMilliseconds);
                json.WriteNumber("reset_count", Tpm.Clock.ResetCount);
                json.WriteNumber("restart_count", Tpm.Clock.RestartCount);
                json.WriteBoolean("safe", Tpm.Clock.Safe);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteString("tpm_error", TpmError);
            json.WriteBase64String("signature", Signature);
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>
    /// Parses a report; untrusted bytes never throw. The error names the member and the rule
    /// ("attestation report: tpm.ak_name is not lowercase hex"). Members this version does not know are ignored;
    /// duplicate members are refused, so no reader can see a different report than this one.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out AttestationReport? report, out string error)
    {
        report = null;
        if (utf8.Length > MaxSize)
        {
            error = Fail($"larger than {MaxSize} bytes");
            return false;
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            error = Fail($"not JSON: {e.Message}");
            return false;
        }
        using (document)
        {
            try
            {
                report = Read(new Members(document.RootElement, ""));
                error = "";
                return true;
            }
            catch (ReportFormatException e)
            {
                error = Fail(e.Message);
                return false;
            }
        }
    }

    private static string Fail(string reason) => "attestation report: " + reason;

    private static AttestationReport Read(Members root)
    {
        string format = root.String("format");
        if (format != FormatName)
            throw new ReportFormatException($"format is \"{format}\", not \"{FormatName}\"");
        byte[] nonce = root.Hex("nonce");
        if (nonce.Length is 0 or > MaxNonceLength)
            throw new ReportFormatException($"nonce has {nonce.Length} bytes, not 1 to {MaxNonceLength}");
        string time = root.String("time");
        if (!TryParseTime(time, out _))
            throw new ReportFormatException($"time \"{time}\" is not an RFC 3339 UTC time");
        Members build = root.Object("build");
        string? binaryHash = build.OptionalString("binary_hash");
        if (binaryHash is not null && !IsSha256Hex(binaryHash))
            throw new ReportFormatException("build.binary_hash is not 64 lowercase hex digits");
        string configHash = root.String("config_hash");
        if (!IsSha256Hex(configHash))
            throw new ReportFormatException("config_hash is not 64 lowercase hex digits");
        string keyId = root.String("timemark_key_id");
        if (!IsSha256Hex(keyId))
            throw new ReportFormatException("timemark_key_id is not 64 lowercase hex digits");
        int pcr = root.Int32("pcr");
        if (pcr is < 0 or > 23)
            throw new ReportFormatException($"pcr {pcr} is not a PCR (0 to 23)");
        bool attested = root.Boolean("attested");
        TpmEvidence? tpm = root.IsNull("tpm") ? null : ReadTpm(root.Object("tpm"));
        if (attested != tpm is not null)
            throw new ReportFormatException(attested ? "attested is true but tpm is null" : "attested is false but tpm is present");
        return new AttestationReport
        {
            Attested = attested,
            Nonce = nonce,
            Time = time,
            Build = new ReportBuild
            {
                BinaryHash = binaryHash,
                SourceCommit = build.OptionalString("source_commit"),
                BuildDate = build.OptionalString("build_date"),
                Verified = build.Boolean("verified"),
                Status = build.OptionalString("status"),
            },
            Config = root.String("config"),
            ConfigHash = configHash,
            TimeMarkKeyPem = root.String("timemark_key_pem"),
            TimeMarkKeyId = keyId,
            Pcr = pcr,
            EventLog = root.String("event_log"),
            ImaLog = root.OptionalString("ima_log"),
            Tpm = tpm,
            TpmError = root.OptionalString("tpm_error"),
            Signature = root.Base64("signature"),
        };
    }

    private static TpmEvidence ReadTpm(Members tpm)
    {
        Members pcrs = tpm.Object("pcrs");
        var values = new SortedDictionary<int, byte[]>();
        foreach (JsonProperty member in pcrs.Element.EnumerateObject())
        {
            if (!int.TryParse(member.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index > 23
                || index.ToString(CultureInfo.InvariantCulture) != member.Name)
                throw new ReportFormatException($"tpm.pcrs has a member \"{member.Name}\" that is not a PCR number (0 to 23)");
            byte[] value = pcrs.Hex(member.Name);
            if (value.Length != 32)
                throw new ReportFormatException($"tpm.pcrs.{member.Name} has {value.Length} bytes, not 32 (sha256 bank)");
            values.Add(index, value);
        }
        Members clock = tpm.Object("clock");
        return new TpmEvidence
        {
            Quote = tpm.Base64("quote"),
            Signature = tpm.Base64("signature"),
            Pcrs = values,
            AkPublic = tpm.Base64("ak_public"),
            AkName = tpm.Hex("ak_name"),
            EkPublic = tpm.Base64("ek_public"),
            EkCertificate = tpm.IsNull("ek_certificate") ? null : tpm.Base64("ek_certificate"),
            Clock = new TpmClockInfo(clock.UInt64("clock_ms"), clock.UInt32("reset_count"), clock.UInt32("restart_count"), clock.Boolean("safe")),
        };
    }

    internal static bool IsSha256Hex(string text) => text.Length == 64 && IsLowerHex(text);

    private static bool IsLowerHex(string text) => text.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    /// <summary>One JSON object of the report and its path ("tpm.clock."), for messages that name the member.</summary>
    private readonly struct Members(JsonElement element, string path)
    {
        public JsonElement Element
        {
            get
            {
                if (element.ValueKind != JsonValueKind.Object)
                    throw new ReportFormatException(path.Length == 0 ? "not a JSON object" : $"{path.TrimEnd('.')} is not an object");
                return element;
            }
        }

        public bool IsNull(string name) => !Element.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null;

        public Members Object(string name)
        {
            JsonElement value = Get(name, JsonValueKind.Object, "an object");
            return new Members(value, $"{path}{name}.");
        }

        public string String(string name) => Get(name, JsonValueKind.String, "a string").GetString()!;

        public string? OptionalString(string name) => IsNull(name) ? null : String(name);

        public bool Boolean(string name)
        {
            JsonElement value = Get(name, JsonValueKind.True, "true or false");
            return value.GetBoolean();
        }

        public int Int32(string name) => Get(name, JsonValueKind.Number, "a number").TryGetInt32(out int value)
            ? value
            : throw new ReportFormatException($"{path}{name} is not a 32-bit integer");

        public uint UInt32(string name) => Get(name, JsonValueKind.Number, "a number").TryGetUInt32(out uint value)
            ? value
            : throw new ReportFormatException($"{path}{name} is not an unsigned 32-bit integer");

        public ulong UInt64(string name) => Get(name, JsonValueKind.Number, "a number").TryGetUInt64(out ulong value)
            ? value
            : throw new ReportFormatException($"{path}{name} is not an unsigned 64-bit integer");

        public byte[] Hex(string name)
        {
            string text = String(name);
            if (text.Length % 2 != 0 || !IsLowerHex(text))
                throw new ReportFormatException($"{path}{name} is not lowercase hex");
            return Convert.FromHexString(text);
        }

        public byte[] Base64(string name)
        {
            JsonElement value = Get(name, JsonValueKind.String, "a base64 string");
            return value.TryGetBytesFromBase64(out byte[]? bytes)
                ? bytes
                : throw new ReportFormatException($"{path}{name} is not standard base64");
        }

        private JsonElement Get(string name, JsonValueKind kind, string expected)
        {
            if (!Element.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null && kind != JsonValueKind.Null)
                throw new ReportFormatException($"{path}{name} is missing");
            bool matches = kind == JsonValueKind.True ? value.ValueKind is JsonValueKind.True or JsonValueKind.False : value.ValueKind == kind;
            if (!matches)
                throw new ReportFormatException($"{path}{name} is not {expected}");
            return value;
        }
    }

    /// <summary>Carries a format error out of the nested readers to <see cref="TryParse"/>, which turns it into its error string.</summary>
    private sealed class ReportFormatException(string message) : Exception(message);
}
