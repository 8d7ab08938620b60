package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/dgraph-io/badger/v4"

	"github.com/otsensor/otsensor/inventory"
)

// openInventory opens the data dir and loads the inventory. Read-only, a
// missing data dir gives an empty inventory and a warning.
func (a *app) openInventory(readOnly bool) (*inventory.Inventory, *badger.DB, error) {
	inv := inventory.New()
	if readOnly {
		if _, err := os.Stat(a.dataDir); errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(a.errOut, "otsensor: no inventory in %s yet: run `otsensor replay FILE...` first\n", a.dataDir)
			return inv, nil, nil
		}
	} else if err := os.MkdirAll(a.dataDir, 0o750); err != nil {
		return nil, nil, &exitError{code: exitFailed, err: err}
	}
	db, err := inventory.OpenDB(a.dataDir, readOnly, a.log)
	if err != nil {
		return nil, nil, &exitError{code: exitFailed, err: err}
	}
	if err := inventory.NewStore(db).Load(inv); err != nil {
		db.Close()
		return nil, nil, &exitError{code: exitFailed, err: err}
	}
	return inv, db, nil
}
