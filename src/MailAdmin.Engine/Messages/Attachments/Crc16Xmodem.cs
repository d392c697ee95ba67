using System;

namespace MailAdmin.Messages.Attachments;

/// <summary>CRC-16/XMODEM (CCITT polynomial 0x1021, initial value 0, no reflection), as BinHex 4.0 uses.</summary>
internal static class Crc16Xmodem
{
    private static readonly ushort[] Table = BuildTable();

    public static ushort Compute(ReadOnlySpan<byte> data)
    {
        ushort crc = 0;
        foreach (var b in data)
            crc = (ushort)((crc << 8) ^ Table[((crc >> 8) ^ b) & 0xFF]);
        return crc;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (int i = 0; i < 256; i++)
        {
            int value = i << 8;
            for (int bit = 0; bit < 8; bit++)
                value = (value & 0x8000) != 0 ? (value << 1) ^ 0x1021 : value << 1;
            table[i] = (ushort)value;
        }
        return table;
    }
}
