package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Config is where the server is and how to authenticate.
type Config struct {
	URL string `json:"url"`
	Key string `json:"key"`
}

// configPath is $XDG_CONFIG_HOME/depot/config.json or its platform
// equivalent (os.UserConfigDir), found through getenv so tests control it.
func configPath(getenv func(string) string) string {
	if dir := getenv("XDG_CONFIG_HOME"); dir != "" {
		return filepath.Join(dir, "depot", "config.json")
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".config", "depot", "config.json")
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "depot", "config.json")
}

// loadConfig reads the config file, then lets DEPOT_URL and DEPOT_API_KEY
// override it. A missing file is fine; a broken one is an error, so a typo
// is not silently replaced by "no key".
func loadConfig(getenv func(string) string) (Config, error) {
	var c Config
	if path := configPath(getenv); path != "" {
		data, err := os.ReadFile(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return c, fmt.Errorf("read %s: %w", path, err)
		default:
			if err := json.Unmarshal(data, &c); err != nil {
				return c, fmt.Errorf("parse %s: %w", path, err)
			}
		}
	}
	if v := getenv("DEPOT_URL"); v != "" {
		c.URL = v
	}
	if v := getenv("DEPOT_API_KEY"); v != "" {
		c.Key = v
	}
	c.URL = strings.TrimRight(c.URL, "/")
	if c.URL == "" {
		return c, errors.New("no server: set DEPOT_URL or \"url\" in " + configPath(getenv))
	}
	if !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://") {
		return c, fmt.Errorf("server URL %q must start with http:// or https://", c.URL)
	}
	return c, nil
}
