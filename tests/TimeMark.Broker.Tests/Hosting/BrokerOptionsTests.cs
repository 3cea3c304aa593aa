using TimeMark.Broker.Access;
using TimeMark.Broker.Hosting;
using TimeMark.Broker.Pipeline;

namespace TimeMark.Broker.Tests.Hosting;

public class BrokerOptionsTests
{
    [Fact]
    public void Validate_Defaults_HaveNoProblem() => Assert.Empty(new BrokerOptions().Validate());

    [Fact]
    public void Validate_MqttWithoutAddress_NamesTheKey() =>
        Assert.Equal(["Mqtt is \"1883\"; expected HOST:PORT with an IP address, e.g. 0.0.0.0:1883"],
            new BrokerOptions { Mqtt = "1883" }.Validate());

    [Fact]
    public void Validate_BadAccessFilter_NamesTheRule()
    {
        var options = new BrokerOptions { Access = [new AccessRule { Identity = "etl", Subscribe = ["braid/#/x"] }] };
        Assert.Equal(["Access:0: \"braid/#/x\" is not a valid MQTT topic filter"], options.Validate());
    }

    [Fact]
    public void Validate_EveryProblem_IsListed() =>
        Assert.Equal(3, new BrokerOptions { Http = "x", MaxPendingMessagesPerClient = 0, CheckpointInterval = TimeSpan.Zero }.Validate().Count);

    [Fact]
    public void Validate_BadTpmName_NamesTheKey() =>
        Assert.Equal(["Attestation:Tpm is \"mssim:port=2321\": expected swtpm:host=H,port=P, swtpm:path=SOCKET or device:/dev/tpmrm0"],
            new BrokerOptions { Attestation = { Tpm = "mssim:port=2321" } }.Validate());

    [Fact]
    public void Validate_PcrOutOfRange_NamesTheKey() =>
        Assert.Equal(["Attestation:Pcr must be a PCR from 0 to 23, not 24"], new BrokerOptions { Attestation = { Pcr = 24 } }.Validate());

    [Fact]
    public void Validate_LogNameWithSqlite_SaysItIsForPostgres() =>
        Assert.Equal(["LogName is for a PostgreSQL LogDatabase; a SQLite file holds one log"],
            new BrokerOptions { LogName = "broker_2" }.Validate());

    [Fact]
    public void Validate_LogNameNotASchemaName_GivesTheRule() =>
        Assert.Equal(["LogName is \"Broker-2\"; it must be 1..63 characters of a-z, 0-9 and _, must not start with a digit or pg_"],
            new BrokerOptions { LogDatabase = "postgresql://timemark@127.0.0.1:5432/timemark", LogName = "Broker-2" }.Validate());

    [Fact]
    public void Validate_UnknownDeviceVerification_NamesTheChoices() =>
        Assert.Equal(["DeviceVerification must be Full or Deferred"], new BrokerOptions { DeviceVerification = (DeviceVerification)7 }.Validate());
}
