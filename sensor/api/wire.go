package api

import "github.com/otsensor/otsensor/inventory"

// inventoryJSON is GET /v1/inventory.
type inventoryJSON struct {
	Devices []*inventory.Device   `json:"devices"`
	Links   []*inventory.LinkView `json:"links"`
}
