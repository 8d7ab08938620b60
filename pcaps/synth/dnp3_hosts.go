package synth

// Vendor prefixes of DNP3 masters, RTUs and IEDs (IEEE registrations, as
// listed in gopacket's macs package).
var (
	OUISEL           = OUI{0x00, 0x30, 0xA7} // Schweitzer Engineering Laboratories
	OUINovaTech      = OUI{0x00, 0x90, 0x9D} // NovaTech, LLC
	OUIGEGrid        = OUI{0xC4, 0xB5, 0x12} // General Electric Digital Energy
	OUIHitachiEnergy = OUI{0x00, 0x02, 0xA3} // Hitachi Energy Switzerland (ABB)
	OUIEaton         = OUI{0x00, 0x0C, 0xC1} // Eaton Corporation (Cooper Power Systems)
)
