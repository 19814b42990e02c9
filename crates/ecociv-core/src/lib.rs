//! The domain core of ecociv: placeholder until issue 2 lands.
