"""The invitee's side of organiser invitations: the accept page, sign-up by invitation,
and the pending invitations shown on the account page."""
